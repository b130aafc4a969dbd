/**
 * FramedConnection: a `Connection` over any `ByteChannel`.
 *
 * - Send path: `send()` encodes the frame into the queue (one copy); every frame
 *   queued in the same tick goes out in one channel write at `setImmediate`, since each
 *   write costs an encryption and two socket writes. The queue is capped at
 *   `maxQueuedBytes`; the channel's own buffer is respected through its drain signal.
 * - Receive path: an incremental `FrameDecoder` capped at `maxFrameBytes`; an oversized
 *   or malformed frame closes this connection with reason `protocol`, logged.
 * - Inbound rate limits: every frame but a goodbye passes the connection's token
 *   buckets (`InboundRateLimiter`); over the limit it is dropped and counted, and a
 *   peer that stays over the limit is closed with reason `protocol`, `ERR_RATE_LIMITED`.
 * - Liveness: a ping opens every connection (the hello) and follows every
 *   `keepaliveIntervalMs` of send silence. A peer whose first frame was a hello ping
 *   keeps links alive at that pace, so its silence for the silent-peer deadline
 *   (`keepaliveIntervalMs + clamp(8 × handshake round trip, silentPeerMinMs,
 *   silentPeerMaxMs)`) means it is gone: reason `timeout`. Any other peer (an older
 *   release) gets `idleTimeoutMs`. Time this process spent stalled (how much later than
 *   its period a liveness check ran, beyond 250 ms) is not counted as the peer's silence,
 *   so our own lag is never taken for the peer's death, and a steadily late event loop
 *   only stretches the deadline.
 * - Round trip: to a peer that sent a hello, an echo frame every `keepaliveIntervalMs`
 *   (one outstanding at a time), answered at once with an echo reply; the round trip is
 *   smoothed as TCP does (first sample as is, then 7/8 old + 1/8 new), starting from the
 *   handshake's duration. A sample taken across a stall of this process is dropped; a
 *   peer that answers late (its own lag) raises its round trip, and so its deadline.
 * - Close: graceful close sends the queue, a goodbye frame, then EOF, and waits up to
 *   `closeTimeoutMs` for the peer's EOF. EOF without goodbye is reported as `error`.
 */
import { logger } from '@libp2p/logger'
import { repeatTimer, systemClock, unrefTimer, type Clock } from '../clock.js'
import type { Logger } from '../log.js'
import { shortId, type NodeId } from '../ids.js'
import type { ByteChannel } from './channel.js'
import { TransportError, describeError } from './errors.js'
import {
  FRAME_KIND_ECHO,
  FRAME_KIND_ECHO_REPLY,
  FRAME_KIND_GOODBYE,
  FRAME_KIND_PING,
  DATA_FRAME_HEADER_BYTES,
  FrameDecoder,
  dataFrameBytes,
  encodeControlFrame,
  writeDataFrame,
} from './framing.js'
import type { ConnectionOptions } from './options.js'
import { InboundRateLimiter } from './rate-limit.js'
import type { CloseInfo, CloseReason, Connection, ConnectionDirection, ConnectionHandler } from './types.js'


/** Counters a transport shares with its connections. */
export interface ConnectionCounters {
  /** Inbound frames dropped by the rate limits. */
  rateLimitedFrames: number
  /** Bytes held now for unfinished inbound frames, all connections together. */
  bufferedFrameBytes: number
  /** Cap on `bufferedFrameBytes` (the transport's `maxBufferedFrameBytes`). */
  maxBufferedFrameBytes: number
}

/** Most bytes handed to the channel in one write. */
const MAX_WRITE_BYTES = 1_048_576

const PING_FRAME = encodeControlFrame(FRAME_KIND_PING)

/** The silent-peer deadline allows this many handshake round trips (within its bounds). */
export const SILENT_PEER_RTT_FACTOR = 8
/**
 * A first frame that is a ping and arrives within this long of the connection is a
 * hello: the peer pings at its keepalive interval. Older releases send their first ping
 * only after 10 s of silence, so they never look like one.
 */
export const HELLO_WINDOW_MS = 5_000
/** A liveness check this much later than its period means this process was stalled. */
const LAG_SLACK_MS = 250
const GOODBYE_FRAME = encodeControlFrame(FRAME_KIND_GOODBYE)
const ECHO_FRAME = encodeControlFrame(FRAME_KIND_ECHO)
const ECHO_REPLY_FRAME = encodeControlFrame(FRAME_KIND_ECHO_REPLY)

export interface FramedConnectionInit {
  readonly channel: ByteChannel
  readonly remoteId: NodeId
  readonly direction: ConnectionDirection
  readonly serial: number
  readonly options: ConnectionOptions
  /** Where to count rate-limited frames (the transport's counters). */
  readonly counters?: ConnectionCounters
  /** Time for liveness, stall and close checks. @default systemClock */
  readonly clock?: Clock
  /** Connection events (the transport's `transport:connection` scope). @default logger('hearsay:transport:connection') */
  readonly log?: Logger
  /** Rate-limit events (the transport's `transport:limits` scope). @default logger('hearsay:transport:limits') */
  readonly limitLog?: Logger
}

type State = 'open' | 'closing' | 'closed'

export class FramedConnection implements Connection {
  readonly serial: number
  readonly remoteId: NodeId
  readonly direction: ConnectionDirection
  readonly remoteAddr: string
  readonly closed: Promise<CloseInfo>
  /** Clock time when the connection was established. */
  readonly establishedAtMs: number
  private readonly clock: Clock
  private readonly log: Logger
  private readonly limitLog: Logger

  private readonly channel: ByteChannel
  private readonly options: ConnectionOptions
  private readonly decoder: FrameDecoder
  private state: State = 'open'
  private closeInfo: CloseInfo | undefined
  private resolveClosed!: (info: CloseInfo) => void

  private queue: Uint8Array[] = []
  private queued = 0
  private full = false
  private flushScheduled = false
  private channelBlocked = false
  private ended = false
  private afterFlush: (() => void) | undefined

  private handler: ConnectionHandler | undefined
  private pendingRx: Uint8Array[] = []
  private pendingRxBytes = 0
  private forwardTo: FramedConnection | undefined
  private readonly limiter: InboundRateLimiter | undefined
  private readonly counters: ConnectionCounters | undefined

  /** Bytes this connection counts in `counters.bufferedFrameBytes`. */
  private bufferedHeld = 0
  /** Clock time when the unfinished inbound frame began. */
  private frameStartMs: number | undefined
  /** Clock time since when queued frames could not be written (channel blocked or queue full). */
  private stalledSinceMs: number | undefined

  private goodbyeReceived = false
  /** Set by the first frame received; true if it was a hello ping. */
  private firstFrameSeen = false
  private peerSendsHello = false
  /** Handshake duration, ms (about one round trip), if the channel measured it. */
  readonly handshakeRttMs: number | undefined
  /** Smoothed round trip from echo replies, ms; undefined before the first one. */
  private srttMs: number | undefined
  /** Clock time of the echo awaiting its reply. */
  private echoSentMs: number | undefined
  private lastEchoMs = 0
  private readonly checkPeriodMs: number
  private lastCheckMs: number
  /** Clock time when this process last came back from a stall. */
  private resumedMs = 0
  /** Time this process spent stalled since the last bytes arrived (not counted as the peer's silence). */
  private stalledMs = 0
  private lastRxMs: number
  private lastTxMs: number
  private stopLiveness: (() => void) | undefined
  private closeTimer: unknown
  private readonly closeListeners: ((info: CloseInfo) => void)[] = []

  constructor(init: FramedConnectionInit) {
    this.clock = init.clock ?? systemClock
    this.log = init.log ?? logger('hearsay:transport:connection')
    this.limitLog = init.limitLog ?? logger('hearsay:transport:limits')
    this.establishedAtMs = this.clock.now()
    this.lastCheckMs = this.establishedAtMs
    this.lastRxMs = this.establishedAtMs
    this.lastTxMs = this.establishedAtMs
    this.channel = init.channel
    this.remoteId = init.remoteId
    this.direction = init.direction
    this.serial = init.serial
    this.options = init.options
    this.remoteAddr = init.channel.remoteAddr
    this.decoder = new FrameDecoder(init.options.maxFrameBytes)
    this.counters = init.counters
    this.limiter = InboundRateLimiter.enabled(init.options)
      ? new InboundRateLimiter(init.options, init.options.maxFrameBytes, this.establishedAtMs)
      : undefined
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.resolveClosed = resolve
    })
    const { keepaliveIntervalMs, idleTimeoutMs } = init.options
    const { frameTimeoutMs, sendStallTimeoutMs } = init.options
    this.handshakeRttMs = init.channel.handshakeRttMs
    const silentMs = init.options.silentPeerMaxMs > 0 && keepaliveIntervalMs > 0 ? Math.max(1, init.options.silentPeerMinMs) : 0
    const periods = [keepaliveIntervalMs, Math.ceil(idleTimeoutMs / 4), Math.ceil(silentMs / 4), Math.ceil(frameTimeoutMs / 4), Math.ceil(sendStallTimeoutMs / 4)].filter((ms) => ms > 0)
    this.checkPeriodMs = periods.length > 0 ? Math.min(...periods) : 0
    if (this.checkPeriodMs > 0) {
      this.stopLiveness = repeatTimer(this.clock, () => this.checkLiveness(), this.checkPeriodMs, true)
    }
    // The hello: our first frame is a ping, so the peer knows we keep the link alive.
    if (keepaliveIntervalMs > 0) this.enqueue(PING_FRAME)
    this.channel.start({
      onData: (chunk) => this.onData(chunk),
      onEnd: () => this.onEnd(),
      onDrain: () => this.onChannelDrain(),
      onClose: (error) => this.onChannelClose(error),
    })
  }

  get isOpen(): boolean {
    return this.state === 'open'
  }

  get queuedBytes(): number {
    return this.queued
  }

  /** Clock time of the last bytes received. */
  get lastReceivedMs(): number {
    return this.lastRxMs
  }

  /**
   * How long the peer may stay silent before the link counts as dead, ms (0 = never):
   * the silent-peer deadline for a peer that sent a hello, else `idleTimeoutMs`.
   */
  get silenceLimitMs(): number {
    const { keepaliveIntervalMs, idleTimeoutMs, silentPeerMinMs, silentPeerMaxMs } = this.options
    if (!this.peerSendsHello || keepaliveIntervalMs <= 0 || silentPeerMaxMs <= 0) return idleTimeoutMs
    const rttPart = Math.min(silentPeerMaxMs, Math.max(silentPeerMinMs, SILENT_PEER_RTT_FACTOR * (this.rttMs ?? 0)))
    const limit = Math.ceil(keepaliveIntervalMs + rttPart)
    return idleTimeoutMs > 0 ? Math.min(limit, idleTimeoutMs) : limit
  }

  /** The smoothed round trip (echo replies), or the handshake's duration before the first reply; ms. */
  get rttMs(): number | undefined {
    return this.srttMs ?? this.handshakeRttMs
  }

  /** A short label for logs. */
  get label(): string {
    return `#${this.serial} ${this.direction} ${shortId(this.remoteId)}@${this.remoteAddr}`
  }

  send(frame: Uint8Array): boolean {
    if (frame.byteLength > this.options.maxFrameBytes) {
      throw new TransportError('ERR_SEND_TOO_LARGE', `frame of ${frame.byteLength} bytes exceeds maxFrameBytes ${this.options.maxFrameBytes}`)
    }
    if (this.state !== 'open') {
      // A connection that lost a duplicate race hands later sends to its replacement.
      return this.forwardTo !== undefined ? this.forwardTo.send(frame) : false
    }
    const size = dataFrameBytes(frame.byteLength)
    if (this.queued + size > this.options.maxQueuedBytes) {
      this.full = true
      this.stalledSinceMs ??= this.clock.now()
      this.checkStall(this.clock.now())
      return false
    }
    const out = new Uint8Array(size)
    writeDataFrame(out, 0, frame)
    this.enqueue(out)
    return true
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler
    if (this.pendingRx.length > 0) {
      const frames = this.pendingRx
      this.pendingRx = []
      this.pendingRxBytes = 0
      for (const frame of frames) this.deliver(frame)
    }
    if (this.closeInfo !== undefined && this.state === 'closed') {
      this.callHandler(() => handler.onClose?.(this.closeInfo as CloseInfo))
    }
  }

  close(): Promise<void> {
    this.beginClose('local')
    return this.closed.then(() => undefined)
  }

  /** Transport-internal: called once when the connection is fully closed. */
  onClosedInternal(listener: (info: CloseInfo) => void): void {
    if (this.state === 'closed' && this.closeInfo !== undefined) listener(this.closeInfo)
    else this.closeListeners.push(listener)
  }

  /**
   * Transport-internal: this connection lost a duplicate-connection race. It closes
   * gracefully with reason `replaced`; frames still arriving on it are handed to `winner`.
   */
  replaceWith(winner: FramedConnection): void {
    this.forwardTo = winner
    const frames = this.pendingRx
    this.pendingRx = []
    this.pendingRxBytes = 0
    for (const frame of frames) winner.deliver(frame)
    this.beginClose('replaced')
  }

  /** Transport-internal: drop the connection at once (transport shutdown, limits). */
  abort(reason: CloseReason, error?: TransportError): void {
    this.finish(reason, error)
    this.channel.destroy(error)
  }

  // ---- send path ----

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes)
    this.queued += bytes.byteLength
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => {
        this.flushScheduled = false
        this.flush()
      })
    }
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.channelBlocked && this.state !== 'closed' && !this.ended) {
      const batch = this.takeBatch()
      let ok: boolean
      try {
        ok = this.channel.write(batch)
      } catch (err) {
        this.fail('error', new TransportError('ERR_CONNECTION_RESET', `write failed: ${describeError(err)}`, { cause: err }))
        return
      }
      this.lastTxMs = this.clock.now()
      if (!ok) {
        this.channelBlocked = true
        this.stalledSinceMs ??= this.lastTxMs
      }
    }
    if (!this.channelBlocked && !this.full) this.stalledSinceMs = undefined
    if (this.full && this.queued <= this.options.maxQueuedBytes / 2 && this.state === 'open') {
      this.full = false
      const handler = this.handler
      if (handler?.onDrain !== undefined) this.callHandler(() => handler.onDrain?.())
    }
    if (this.queue.length === 0 && !this.channelBlocked && this.afterFlush !== undefined) {
      const next = this.afterFlush
      this.afterFlush = undefined
      next()
    }
  }

  /** Removes up to MAX_WRITE_BYTES of queued frames, concatenated. */
  private takeBatch(): Uint8Array {
    const first = this.queue[0] as Uint8Array
    if (this.queue.length === 1 || first.byteLength >= MAX_WRITE_BYTES) {
      this.queue.shift()
      this.queued -= first.byteLength
      return first
    }
    let count = 0
    let total = 0
    for (const piece of this.queue) {
      if (count > 0 && total + piece.byteLength > MAX_WRITE_BYTES) break
      total += piece.byteLength
      count++
    }
    const out = new Uint8Array(total)
    let offset = 0
    for (let i = 0; i < count; i++) {
      const piece = this.queue[i] as Uint8Array
      out.set(piece, offset)
      offset += piece.byteLength
    }
    this.queue = count === this.queue.length ? [] : this.queue.slice(count)
    this.queued -= total
    return out
  }

  private onChannelDrain(): void {
    this.channelBlocked = false
    if (!this.full) this.stalledSinceMs = undefined
    this.flush()
  }

  /** A peer that has not taken our bytes for `sendStallTimeoutMs` is closed: it stopped reading. */
  private checkStall(now: number): void {
    const limit = this.options.sendStallTimeoutMs
    if (limit <= 0 || this.stalledSinceMs === undefined || this.state !== 'open') return
    if (now - this.stalledSinceMs < limit) return
    this.fail(
      'timeout',
      new TransportError('ERR_SEND_STALLED', `peer took none of our ${this.queued} queued bytes for ${Math.round(now - this.stalledSinceMs)} ms (it stopped reading)`),
    )
  }

  /** Accounts for the bytes held for an unfinished frame; enforces the global cap and the frame deadline. */
  private trackFrame(now: number, heldBefore: number, framesDone: number): boolean {
    const held = this.decoder.bufferedBytes
    if (this.counters !== undefined) {
      this.counters.bufferedFrameBytes += held - this.bufferedHeld
      this.bufferedHeld = held
    }
    if (!this.decoder.inFrame) this.frameStartMs = undefined
    else if (this.frameStartMs === undefined || framesDone > 0 || heldBefore === 0) this.frameStartMs = now
    if (this.counters !== undefined && held > 0 && this.counters.bufferedFrameBytes > this.counters.maxBufferedFrameBytes) {
      this.fail(
        'protocol',
        new TransportError('ERR_FRAME_MEMORY', `unfinished frames hold ${this.counters.bufferedFrameBytes} bytes across connections (limit ${this.counters.maxBufferedFrameBytes}); this one ${held}`),
      )
      return false
    }
    return this.checkFrameDeadline(now)
  }

  private checkFrameDeadline(now: number): boolean {
    const limit = this.options.frameTimeoutMs
    if (limit <= 0 || this.frameStartMs === undefined || now - this.frameStartMs < limit) return true
    this.fail('protocol', new TransportError('ERR_FRAME_TIMEOUT', `a frame took more than ${limit} ms to arrive (${this.decoder.bufferedBytes} bytes so far)`))
    return false
  }

  // ---- receive path ----

  private onData(chunk: Uint8Array): void {
    if (this.state === 'closed') return
    this.lastRxMs = this.clock.now()
    this.stalledMs = 0
    const heldBefore = this.decoder.bufferedBytes
    let frames
    try {
      frames = this.decoder.push(chunk)
    } catch (err) {
      const error = err instanceof TransportError ? err : new TransportError('ERR_MALFORMED_FRAME', describeError(err), { cause: err })
      this.fail('protocol', error)
      return
    }
    if (!this.trackFrame(this.lastRxMs, heldBefore, frames.length)) return
    if (!this.firstFrameSeen && frames.length > 0) {
      this.firstFrameSeen = true
      this.peerSendsHello = frames[0]?.kind === 'ping' && this.lastRxMs - this.establishedAtMs <= HELLO_WINDOW_MS
    }
    for (const frame of frames) {
      if ((this.state as State) === 'closed') return
      if (frame.kind === 'goodbye') this.onGoodbye()
      else if (this.limiter !== undefined && !this.admit(frame.kind === 'data' ? DATA_FRAME_HEADER_BYTES + frame.payload.byteLength : 1)) continue
      else if (frame.kind === 'data') this.deliver(frame.payload)
      else if (frame.kind === 'echo') {
        if (this.state === 'open') this.enqueue(ECHO_REPLY_FRAME)
      } else if (frame.kind === 'echoReply') this.onEchoReply(this.lastRxMs)
    }
  }

  /** Runs one inbound frame through the rate limits; false if it is dropped. */
  private admit(frameBytes: number): boolean {
    const limiter = this.limiter as InboundRateLimiter
    const now = this.clock.now()
    const verdict = limiter.admit(frameBytes, now)
    if (verdict === 'accept') return true
    if (this.counters !== undefined) this.counters.rateLimitedFrames++
    if (limiter.dropped === 1) this.limitLog('%s over the inbound rate limit: dropping frames', this.label)
    if (verdict === 'disconnect') {
      const { inboundFramesPerSecond: fps, inboundBytesPerSecond: bps } = this.options
      this.fail(
        'protocol',
        new TransportError(
          'ERR_RATE_LIMITED',
          `peer stayed over the inbound rate limit (${fps} frames/s, ${bps} bytes/s) for ${Math.round(limiter.overForMs(now))} ms; ${limiter.dropped} frames dropped`,
        ),
      )
    }
    return false
  }

  /** Hands a received frame to the handler (or the winner, or the pre-handler buffer). */
  deliver(frame: Uint8Array): void {
    if (this.forwardTo !== undefined) {
      this.forwardTo.deliver(frame)
      return
    }
    if (this.state === 'closed') return
    const handler = this.handler
    if (handler !== undefined) {
      this.callHandler(() => handler.onFrame(frame))
      return
    }
    this.pendingRxBytes += frame.byteLength
    if (this.pendingRxBytes > this.options.maxQueuedBytes) {
      this.fail('error', new TransportError('ERR_READ_OVERFLOW', `more than ${this.options.maxQueuedBytes} bytes received before a handler was set`))
      return
    }
    this.pendingRx.push(frame)
  }

  private onGoodbye(): void {
    this.goodbyeReceived = true
    this.beginClose('remote')
  }

  private onEnd(): void {
    if (this.state === 'closed') return
    if (!this.goodbyeReceived && this.state === 'open') {
      this.fail('error', new TransportError('ERR_CONNECTION_RESET', 'peer ended the connection without a goodbye'))
      return
    }
    // Both sides are done once our own EOF is out; the channel then closes itself.
    if (this.ended) this.armCloseTimer()
  }

  // ---- liveness ----

  private onEchoReply(now: number): void {
    const sentMs = this.echoSentMs
    if (sentMs === undefined) return
    this.echoSentMs = undefined
    if (this.resumedMs >= sentMs) return // we were stalled meanwhile: not the link's round trip
    const sample = now - sentMs
    this.srttMs = this.srttMs === undefined ? sample : (7 * this.srttMs + sample) / 8
  }

  private checkLiveness(): void {
    if (this.state === 'closed') return
    const now = this.clock.now()
    const { keepaliveIntervalMs } = this.options
    // A check that ran late: this process was stalled, and bytes may be waiting unread.
    const lateMs = now - this.lastCheckMs - this.checkPeriodMs
    if (lateMs > LAG_SLACK_MS) {
      this.stalledMs += lateMs
      this.resumedMs = now
    }
    this.lastCheckMs = now
    if (!this.checkFrameDeadline(now)) return
    this.checkStall(now)
    if ((this.state as State) === 'closed') return
    const limit = this.silenceLimitMs
    const silentMs = now - this.lastRxMs - this.stalledMs
    if (limit > 0 && silentMs > limit) {
      const why = this.peerSendsHello ? ` (silent-peer deadline ${limit} ms, handshake round trip ${Math.round(this.handshakeRttMs ?? 0)} ms)` : ''
      this.fail('timeout', new TransportError('ERR_IDLE_TIMEOUT', `nothing received for ${Math.round(now - this.lastRxMs)} ms${why}`))
      return
    }
    if (keepaliveIntervalMs <= 0 || this.state !== 'open') return
    if (this.peerSendsHello && this.echoSentMs === undefined && now - this.lastEchoMs >= keepaliveIntervalMs) {
      this.echoSentMs = now
      this.lastEchoMs = now
      this.enqueue(ECHO_FRAME)
    } else if (this.queue.length === 0 && now - this.lastTxMs >= keepaliveIntervalMs) {
      this.enqueue(PING_FRAME)
    }
  }

  // ---- close ----

  /** Graceful close: stop sending new frames, flush, goodbye, EOF, wait for peer EOF. */
  private beginClose(reason: CloseReason): void {
    if (this.state !== 'open') return
    this.state = 'closing'
    this.closeInfo = { reason }
    this.log('%s closing (%s)', this.label, reason)
    this.afterFlush = () => {
      if (this.state === 'closed' || this.ended) return
      try {
        this.channel.write(GOODBYE_FRAME)
        this.channel.end()
      } catch (err) {
        this.log('%s goodbye failed: %s', this.label, describeError(err))
        this.channel.destroy()
      }
      this.ended = true
      this.armCloseTimer()
    }
    // Bound the whole close, including a flush stuck behind a peer that stopped reading.
    this.armCloseTimer()
    if (!this.flushScheduled) this.flush() // else the scheduled flush runs afterFlush
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== undefined || this.state === 'closed') return
    this.closeTimer = this.clock.setTimer(() => {
      this.log('%s close timed out after %d ms, dropping socket', this.label, this.options.closeTimeoutMs)
      this.channel.destroy()
      this.finish(this.closeInfo?.reason ?? 'local')
    }, this.options.closeTimeoutMs)
    unrefTimer(this.closeTimer)
  }

  /** Abnormal close: log the reason, drop the channel at once. */
  private fail(reason: CloseReason, error: TransportError): void {
    if (this.state === 'closed') return
    this.log('%s closed: %s (%s)', this.label, reason, describeError(error))
    this.finish(reason, error)
    this.channel.destroy(error)
  }

  private onChannelClose(error?: TransportError): void {
    if (this.state === 'closed') return
    if (this.closeInfo !== undefined) {
      this.finish(this.closeInfo.reason)
    } else if (error !== undefined) {
      this.log('%s closed: %s', this.label, describeError(error))
      this.finish(error.code === 'ERR_MALFORMED_FRAME' || error.code === 'ERR_FRAME_TOO_LARGE' ? 'protocol' : 'error', error)
    } else if (this.goodbyeReceived) {
      this.finish('remote')
    } else {
      this.finish('error', new TransportError('ERR_CONNECTION_RESET', 'connection closed without a goodbye'))
    }
  }

  /** Final state change; idempotent. The first recorded reason wins. */
  private finish(reason: CloseReason, error?: TransportError): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    const previous = this.closeInfo
    const info: CloseInfo = previous !== undefined ? previous : error !== undefined ? { reason, error } : { reason }
    this.closeInfo = info
    this.stopLiveness?.()
    if (this.closeTimer !== undefined) this.clock.clearTimer(this.closeTimer)
    if (this.counters !== undefined) this.counters.bufferedFrameBytes -= this.bufferedHeld
    this.bufferedHeld = 0
    this.queue = []
    this.queued = 0
    this.pendingRx = []
    this.pendingRxBytes = 0
    this.afterFlush = undefined
    for (const listener of this.closeListeners.splice(0)) listener(info)
    const handler = this.handler
    if (handler?.onClose !== undefined) this.callHandler(() => handler.onClose?.(info))
    this.resolveClosed(info)
  }

  /** Handler errors are bugs in the caller: log them, never let them tear down the connection. */
  private callHandler(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error('%s handler threw: %s', this.label, describeError(err))
    }
  }
}
