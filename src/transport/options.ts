/**
 * Transport options with documented defaults, and their validation.
 * Every queue and buffer fed by the network is capped by one of these.
 */
import { ConfigError } from '../errors.js'
import { DEFAULT_INBOUND_RATE_LIMITS, type InboundRateLimitOptions } from './rate-limit.js'

/** Connection options, including the per-peer inbound rate limits (see rate-limit.ts). */
export interface ConnectionOptions extends InboundRateLimitOptions {
  /**
   * Largest frame payload accepted or sent. A peer announcing more is disconnected.
   * Must hold the largest wire batch the driver builds.
   * @default 1_048_576 (1 MiB)
   */
  maxFrameBytes: number
  /**
   * Cap on bytes queued for sending on one connection (frames + 5-byte headers). When
   * full, `send()` returns false: a slow peer cannot make the node buffer without
   * limit. Also caps frames received before a handler is set. Must be >= maxFrameBytes + 5.
   * @default 4_194_304 (4 MiB)
   */
  maxQueuedBytes: number
  /**
   * Send a 1-byte ping after this long without sending anything, so an idle link shows
   * it is alive. Every connection also opens with one ping (the "hello"), which tells
   * the peer that this node keeps links alive at this pace (see `silentPeerMinMs`).
   * 0 disables pings (and the hello). Use the same value on every node of a swarm.
   * @default 1_000
   */
  keepaliveIntervalMs: number
  /**
   * Close with reason `timeout` after this long without receiving anything (pings
   * included), for a peer that did not open with a hello ping (an older release that
   * pings every 10 s). 0 disables. Also the upper bound of the silent-peer deadline.
   * @default 35_000
   */
  idleTimeoutMs: number
  /**
   * Silent-peer deadline, for a peer that opened with a hello ping: the connection is
   * closed with reason `timeout` (`ERR_IDLE_TIMEOUT`) once nothing at all arrived for
   * `keepaliveIntervalMs + clamp(8 × handshake round trip, silentPeerMinMs, silentPeerMaxMs)`
   * (capped by `idleTimeoutMs`): 3 s on a LAN or a 4G link, 5.8 s over a 600 ms
   * satellite round trip. Any frame counts as a sign of life, and time during which this
   * process's own event loop was stalled does not count, so a busy node never drops its
   * links for its own lag.
   * @default 2_000
   */
  silentPeerMinMs: number
  /**
   * Upper bound of the round-trip part of the silent-peer deadline (see
   * `silentPeerMinMs`). 0 turns the silent-peer deadline off: only `idleTimeoutMs` applies.
   * @default 15_000
   */
  silentPeerMaxMs: number
  /**
   * A graceful close waits this long for the peer's EOF, then drops the socket.
   * @default 2_000
   */
  closeTimeoutMs: number
  /**
   * A frame must arrive whole within this long of its first byte; a peer that trickles
   * one (e.g. a header announcing 1 MiB, then a byte now and then) is closed with
   * `ERR_FRAME_TIMEOUT`. 0 disables. At 1 MiB frames the default asks for ~100 KiB/s.
   * @default 10_000
   */
  frameTimeoutMs: number
  /**
   * A peer that takes none of our queued bytes for this long (the socket stays blocked,
   * or the send queue stays full) stopped reading: it is closed with `ERR_SEND_STALLED`
   * (reason `timeout`) and the protocol replaces it. 0 disables.
   * @default 15_000
   */
  sendStallTimeoutMs: number
}

export interface TransportOptions extends ConnectionOptions {
  /**
   * A Noise handshake (connect excluded) must finish within this time; a stalled or
   * failed handshake closes the socket at once.
   * @default 5_000
   */
  handshakeTimeoutMs: number
  /** TCP connect timeout per address. @default 5_000 */
  connectTimeoutMs: number
  /** Cap on live connections; further dials fail and further accepts are dropped. @default 256 */
  maxConnections: number
  /** Cap on dials in progress. @default 64 */
  maxPendingDials: number
  /** Cap on inbound handshakes in progress; further sockets are closed at once. @default 64 */
  maxPendingInbound: number
  /** Addresses tried per dial; the rest are ignored. @default 8 */
  maxDialAddrs: number
  /**
   * Two connections to the same peer whose establishments are closer than this are a
   * simultaneous dial: the one dialed by the smaller node id wins. A newer connection
   * arriving later replaces the old one (the peer evidently lost it).
   * @default 2 × (connectTimeoutMs + handshakeTimeoutMs)
   */
  simultaneousDialWindowMs: number
  /**
   * Cap on bytes held for unfinished inbound frames across all connections. The
   * connection whose bytes would pass it is closed with `ERR_FRAME_MEMORY`.
   * @default 67_108_864 (64 MiB)
   */
  maxBufferedFrameBytes: number
}

/** Defaults of {@link ConnectionOptions}. */
export const DEFAULT_CONNECTION_OPTIONS: Readonly<ConnectionOptions> = Object.freeze({
  maxFrameBytes: 1_048_576,
  maxQueuedBytes: 4_194_304,
  keepaliveIntervalMs: 1_000,
  idleTimeoutMs: 35_000,
  silentPeerMinMs: 2_000,
  silentPeerMaxMs: 15_000,
  closeTimeoutMs: 2_000,
  frameTimeoutMs: 10_000,
  sendStallTimeoutMs: 15_000,
  ...DEFAULT_INBOUND_RATE_LIMITS,
})

/** Defaults of {@link TransportOptions}. */
export const DEFAULT_TRANSPORT_OPTIONS: Readonly<Omit<TransportOptions, 'simultaneousDialWindowMs'>> = Object.freeze({
  ...DEFAULT_CONNECTION_OPTIONS,
  handshakeTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  maxConnections: 256,
  maxPendingDials: 64,
  maxPendingInbound: 64,
  maxDialAddrs: 8,
  maxBufferedFrameBytes: 67_108_864,
})

/** Merges overrides onto the defaults and validates; throws ConfigError. */
export function resolveTransportOptions(input: Partial<TransportOptions> = {}): TransportOptions {
  const merged = { ...DEFAULT_TRANSPORT_OPTIONS, ...stripUndefined(input) }
  const options: TransportOptions = {
    ...merged,
    simultaneousDialWindowMs: input.simultaneousDialWindowMs ?? 2 * (merged.connectTimeoutMs + merged.handshakeTimeoutMs),
  }
  const minimums: Record<keyof TransportOptions, number> = {
    maxFrameBytes: 0,
    maxQueuedBytes: 1,
    keepaliveIntervalMs: 0,
    idleTimeoutMs: 0,
    silentPeerMinMs: 0,
    silentPeerMaxMs: 0,
    closeTimeoutMs: 1,
    frameTimeoutMs: 0,
    sendStallTimeoutMs: 0,
    maxBufferedFrameBytes: 1,
    handshakeTimeoutMs: 1,
    connectTimeoutMs: 1,
    maxConnections: 1,
    maxPendingDials: 1,
    maxPendingInbound: 1,
    maxDialAddrs: 1,
    simultaneousDialWindowMs: 0,
    inboundFramesPerSecond: 0,
    inboundFrameBurst: 1,
    inboundBytesPerSecond: 0,
    inboundByteBurst: 1,
    rateLimitGraceMs: 0,
  }
  for (const key of Object.keys(minimums) as (keyof TransportOptions)[]) {
    const value = options[key]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimums[key]) {
      throw new ConfigError(`transport option ${key} must be an integer >= ${minimums[key]}, got ${String(value)}: leave it out for the default`, key)
    }
  }
  if (options.maxFrameBytes > 0xffff_ffff) {
    throw new ConfigError('transport option maxFrameBytes must fit in 32 bits: lower it', 'maxFrameBytes')
  }
  if (options.maxQueuedBytes < options.maxFrameBytes + 5) {
    throw new ConfigError('transport option maxQueuedBytes must be >= maxFrameBytes + 5: raise maxQueuedBytes', 'maxQueuedBytes')
  }
  return options
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>
}
