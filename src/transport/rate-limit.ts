/**
 * Per-connection inbound rate limits: two token buckets, one counting frames and one
 * counting bytes, checked for every frame a peer sends (data and ping; a goodbye is
 * never limited, so a graceful close always gets through).
 *
 * Policy (documented in SECURITY.md):
 * - A frame that finds either bucket empty is dropped (never delivered) and counted.
 *   Gossip tolerates loss: a dropped broadcast is repaired by IHAVE/GRAFT from other
 *   neighbors, a dropped membership message by timeouts and link probes.
 * - The first drop starts an "over the limit" episode. The episode ends at the first
 *   frame admitted while both buckets are at least half full again (the peer slowed
 *   down). A frame dropped `graceMs` or more after the episode started closes the
 *   connection with `ERR_RATE_LIMITED` (reason `protocol`), logged with the rates.
 * - A rate of 0 turns that bucket off. The byte burst is raised to hold at least one
 *   maximum frame, so a legitimate large frame is never refused outright.
 *
 * Time is passed in (milliseconds, e.g. `performance.now()`), so the buckets are
 * testable without timers.
 */

export interface InboundRateLimitOptions {
  /**
   * Sustained frames per second accepted from one peer (pings included). 0 disables.
   * @default 5_000
   */
  inboundFramesPerSecond: number
  /** Frames a peer may send in a burst above the sustained rate. @default 20_000 */
  inboundFrameBurst: number
  /**
   * Sustained bytes per second accepted from one peer (frame headers included). 0 disables.
   * @default 16_777_216 (16 MiB/s)
   */
  inboundBytesPerSecond: number
  /** Bytes a peer may send in a burst; at least one maximum frame. @default 67_108_864 (64 MiB) */
  inboundByteBurst: number
  /**
   * A peer still over the limit this long after its first dropped frame is
   * disconnected (`ERR_RATE_LIMITED`). 0 disconnects at the first drop.
   * @default 2_000
   */
  rateLimitGraceMs: number
}

/** Default per-connection inbound rate limits (see SECURITY.md for the reasoning). */
export const DEFAULT_INBOUND_RATE_LIMITS: Readonly<InboundRateLimitOptions> = Object.freeze({
  inboundFramesPerSecond: 5_000,
  inboundFrameBurst: 20_000,
  inboundBytesPerSecond: 16_777_216,
  inboundByteBurst: 67_108_864,
  rateLimitGraceMs: 2_000,
})

/** A token bucket: `rate` tokens per second, at most `burst` held; starts full. */
export class TokenBucket {
  private tokens: number
  private lastMs: number

  constructor(
    /** Tokens added per second. */
    readonly ratePerSecond: number,
    /** Most tokens held. */
    readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst
    this.lastMs = nowMs
  }

  /** Adds the tokens earned since the last call. */
  refill(nowMs: number): void {
    const elapsed = nowMs - this.lastMs
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000)
      this.lastMs = nowMs
    }
  }

  /** True if `n` tokens are there (after `refill`). */
  has(n: number): boolean {
    return this.tokens >= n
  }

  /** Takes `n` tokens (the balance may go negative: the debt is paid by later refills). */
  take(n: number): void {
    this.tokens -= n
  }

  /** True if at least half the burst is available. */
  get halfFull(): boolean {
    return this.tokens * 2 >= this.burst
  }
}

/** What to do with one inbound frame. */
export type RateVerdict = 'accept' | 'drop' | 'disconnect'

/** The limiter of one connection. */
export class InboundRateLimiter {
  private readonly frames: TokenBucket | undefined
  private readonly bytes: TokenBucket | undefined
  private readonly graceMs: number
  /** Start of the current over-the-limit episode, if any. */
  private overSinceMs: number | undefined
  /** Frames dropped on this connection. */
  dropped = 0

  constructor(options: InboundRateLimitOptions, maxFrameBytes: number, nowMs: number) {
    this.frames =
      options.inboundFramesPerSecond > 0 ? new TokenBucket(options.inboundFramesPerSecond, Math.max(1, options.inboundFrameBurst), nowMs) : undefined
    this.bytes =
      options.inboundBytesPerSecond > 0
        ? new TokenBucket(options.inboundBytesPerSecond, Math.max(options.inboundByteBurst, maxFrameBytes + 5), nowMs)
        : undefined
    this.graceMs = options.rateLimitGraceMs
  }

  /** True if any limit is on. */
  static enabled(options: InboundRateLimitOptions): boolean {
    return options.inboundFramesPerSecond > 0 || options.inboundBytesPerSecond > 0
  }

  /** Admits (or not) one frame of `frameBytes` encoded bytes arriving at `nowMs`. */
  admit(frameBytes: number, nowMs: number): RateVerdict {
    const { frames, bytes } = this
    frames?.refill(nowMs)
    bytes?.refill(nowMs)
    if ((frames === undefined || frames.has(1)) && (bytes === undefined || bytes.has(frameBytes))) {
      frames?.take(1)
      bytes?.take(frameBytes)
      if (this.overSinceMs !== undefined && (frames?.halfFull ?? true) && (bytes?.halfFull ?? true)) this.overSinceMs = undefined
      return 'accept'
    }
    this.dropped++
    this.overSinceMs ??= nowMs
    return nowMs - this.overSinceMs >= this.graceMs ? 'disconnect' : 'drop'
  }

  /** Milliseconds the peer has been over the limit (0 if it is not). */
  overForMs(nowMs: number): number {
    return this.overSinceMs === undefined ? 0 : nowMs - this.overSinceMs
  }
}
