/**
 * Connection bookkeeping shared by every transport: one live connection per peer,
 * dial coalescing, simultaneous-dial resolution, dial and accept limits, shutdown.
 * Subclasses only provide `connect` (an authenticated outbound channel) and feed
 * authenticated inbound channels to `acceptInbound`.
 *
 * Duplicate connections to the same peer are resolved by one rule that both sides
 * evaluate identically:
 * - same direction (the peer dialed again): the newer connection wins, since the peer
 *   evidently lost the old one;
 * - opposite directions established more than `simultaneousDialWindowMs` apart: the
 *   newer wins, for the same reason;
 * - otherwise it is a simultaneous dial: the connection dialed by the smaller node id
 *   wins (ids compare as lower-case hex strings).
 * An inbound connection that completes while our own dial to that peer is still in
 * progress is parked until the dial settles, so both candidates are compared before
 * either is announced. The loser closes gracefully with reason `replaced`; frames still
 * arriving on it are handed to the winner, so nothing in flight is lost.
 */
import { setMaxListeners } from 'node:events'
import { systemClock, type Clock } from '../clock.js'
import { nodeLogs, type Logger, type Logs } from '../log.js'
import { asNodeId, isHexId, shortId, type NodeId } from '../ids.js'
import { parseAddress } from './address.js'
import type { ByteChannel } from './channel.js'
import { FramedConnection, type ConnectionCounters } from './connection.js'
import { TransportError, describeError } from './errors.js'
import type { TransportOptions } from './options.js'
import type { CloseInfo, Connection, ConnectionDirection, ConnectionListener, Transport, TransportCounters } from './types.js'

/** What a transport takes from its node besides options: time and logs. */
export interface TransportEnv {
  /** Time for connect, liveness, stall and close timers. @default systemClock */
  readonly clock?: Clock | undefined
  /** Log scopes (`transport`, `transport:connection`, `transport:limits`, `transport:tcp`). @default nodeLogs(localId) */
  readonly logs?: Logs | undefined
}

/** Peers whose last link died of silence, remembered this long for quick redial failures. */
export const SILENT_PEER_MEMORY_MS = 60_000
/** Cap on such peers (oldest forgotten first). */
export const MAX_SILENT_PEERS = 256
/**
 * Connect timeout for a peer whose last link died of silence within SILENT_PEER_MEMORY_MS:
 * this many of its last round trips, at least 1 s (and at most `connectTimeoutMs`). A
 * host that came back answers a SYN within a round trip; one still unplugged should not
 * hold a membership request for the whole `connectTimeoutMs`.
 */
export const SILENT_PEER_CONNECT_RTTS = 4
const SILENT_PEER_MIN_CONNECT_MS = 1_000

interface DialState {
  promise: Promise<Connection>
  /** An inbound connection from the same peer, waiting for this dial to settle. */
  parked: FramedConnection | undefined
}

export abstract class BaseTransport implements Transport {
  readonly localId: NodeId
  protected readonly options: TransportOptions
  /** Aborted when the transport closes: cancels dials and handshakes in progress. */
  protected readonly shutdown = new AbortController()
  private serial = 0
  private readonly live = new Map<NodeId, FramedConnection>()
  private readonly dials = new Map<NodeId, DialState>()
  private listener: ConnectionListener | undefined
  private unannounced: FramedConnection[] = []
  private pendingInbound = 0
  private closing: Promise<void> | undefined
  private readonly connCounters: ConnectionCounters

  private readonly peerErrors: Record<string, number> = {}
  private inboundRefused = 0
  private duplicateIdentity = 0
  /** id -> times a working link of it was replaced by a same-direction newcomer (two processes, one key?). */
  private readonly replacedWorking = new Map<NodeId, number[]>()
  /** id -> until when it is known to be used by two processes (keep the existing link). */
  private readonly duplicated = new Map<NodeId, number>()
  /** id -> when its last link died of silence and its round trip then. Capacity: MAX_SILENT_PEERS. */
  private readonly silentPeers = new Map<NodeId, { readonly atMs: number; readonly rttMs: number }>()

  protected readonly clock: Clock
  protected readonly logs: Logs
  private readonly log: Logger
  private readonly connectionLog: Logger
  private readonly limitLog: Logger

  protected constructor(localId: NodeId, options: TransportOptions, env: TransportEnv = {}) {
    this.localId = localId
    this.options = options
    this.clock = env.clock ?? systemClock
    this.logs = env.logs ?? nodeLogs(localId)
    this.log = this.logs('transport')
    this.connectionLog = this.logs('transport:connection')
    this.limitLog = this.logs('transport:limits')
    this.connCounters = { rateLimitedFrames: 0, bufferedFrameBytes: 0, maxBufferedFrameBytes: options.maxBufferedFrameBytes }
    // Every dial and handshake in progress listens on this one signal (bounded by
    // maxPendingDials + maxPendingInbound), more than the default warning threshold of 10.
    setMaxListeners(0, this.shutdown.signal)
  }

  abstract get listenAddrs(): readonly string[]
  abstract listen(addr: string): Promise<string>

  /**
   * Opens an authenticated channel to `peerId` at `addr` (already validated). Throws a
   * TransportError: `ERR_DIAL_FAILED`, `ERR_PEER_ID_MISMATCH`, `ERR_HANDSHAKE_*`.
   */
  protected abstract connect(peerId: NodeId, addr: string, signal: AbortSignal, connectTimeoutMs: number): Promise<ByteChannel>

  /** Stops accepting new inbound connections. */
  protected abstract stopListening(): Promise<void>

  /** True once `close()` or `abort()` was called. */
  get isClosed(): boolean {
    return this.shutdown.signal.aborted
  }

  onConnection(listener: ConnectionListener): void {
    this.listener = listener
    const waiting = this.unannounced
    this.unannounced = []
    for (const conn of waiting) if (conn.isOpen) this.announce(conn)
  }

  getConnection(peerId: string): Connection | undefined {
    // A lookup needs no check: a string that is not a node id finds nothing.
    const conn = this.live.get(peerId as NodeId)
    return conn?.isOpen === true ? conn : undefined
  }

  connections(): Connection[] {
    return [...this.live.values()].filter((c) => c.isOpen)
  }

  dial(peerIdText: string, addrs: readonly string[]): Promise<Connection> {
    try {
      if (this.isClosed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed')
      if (!isHexId(peerIdText)) throw new TransportError('ERR_INVALID_PEER_ID', `not a node id: "${peerIdText}"`)
      const peerId = asNodeId(peerIdText)
      if (peerId === this.localId) throw new TransportError('ERR_DIAL_SELF', 'cannot dial our own node id')
      const existing = this.getConnection(peerId)
      if (existing !== undefined) return Promise.resolve(existing)
      const pending = this.dials.get(peerId)
      if (pending !== undefined) return pending.promise
      if (addrs.length === 0) throw new TransportError('ERR_INVALID_ADDRESS', `no address to dial ${shortId(peerId)}`)
      const targets = addrs.slice(0, this.options.maxDialAddrs)
      for (const addr of targets) parseAddress(addr)
      if (this.dials.size >= this.options.maxPendingDials) {
        throw new TransportError('ERR_DIAL_LIMIT', `${this.dials.size} dials already in progress (maxPendingDials)`)
      }
      if (this.live.size >= this.options.maxConnections) {
        throw new TransportError('ERR_CONNECTION_LIMIT', `${this.live.size} connections open (maxConnections)`)
      }
      const state = { parked: undefined } as DialState
      this.dials.set(peerId, state)
      state.promise = this.runDial(peerId, targets, state)
      return state.promise
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Rate-limited frames, connections dropped for a peer's fault by error code, refused sockets. */
  counters(): TransportCounters {
    return {
      rateLimitedFrames: this.connCounters.rateLimitedFrames,
      bufferedFrameBytes: this.connCounters.bufferedFrameBytes,
      peerErrors: { ...this.peerErrors },
      inboundRefused: this.inboundRefused,
      duplicateIdentity: this.duplicateIdentity,
      openConnections: this.connections().length,
      pendingHandshakes: this.pendingInbound,
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdownNow()
    return this.closing
  }

  abort(): Promise<void> {
    this.shutdown.abort(new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed'))
    const conns = [...this.live.values()]
    for (const dial of this.dials.values()) if (dial.parked !== undefined) conns.push(dial.parked)
    for (const conn of conns) conn.abort('local')
    this.closing ??= this.stopListening().catch((err: unknown) => this.log.error('stop listening: %s', describeError(err)))
    return this.closing
  }

  // ---- for subclasses ----

  /** Admission check for a new inbound socket, before its handshake. Pair with `inboundSettled`. */
  protected admitInbound(): boolean {
    if (this.isClosed) return false
    if (this.pendingInbound >= this.options.maxPendingInbound) {
      this.inboundRefused++
      this.log('refusing inbound connection: %d handshakes in progress (maxPendingInbound)', this.pendingInbound)
      return false
    }
    if (this.live.size + this.pendingInbound >= this.options.maxConnections) {
      this.inboundRefused++
      this.log('refusing inbound connection: %d connections (maxConnections)', this.live.size)
      return false
    }
    this.pendingInbound++
    return true
  }

  /**
   * Counts a connection or handshake ended by the peer's fault (bad bytes, stalled or
   * failed handshake, wrong id, rate limit, idle), by error code, for `counters()`.
   */
  protected countPeerError(code: string): void {
    this.peerErrors[code] = (this.peerErrors[code] ?? 0) + 1
  }

  /** The inbound handshake admitted by `admitInbound` finished (either way). */
  protected inboundSettled(): void {
    this.pendingInbound--
  }

  /** An inbound channel completed its handshake with `remoteId`. */
  protected acceptInbound(channel: ByteChannel, remoteId: NodeId): void {
    const conn = this.createConnection(channel, remoteId, 'inbound')
    if (this.isClosed || remoteId === this.localId) {
      conn.abort('local')
      return
    }
    const dial = this.dials.get(remoteId)
    if (dial !== undefined) {
      this.log('%s parked until our dial to the same peer settles', conn.label)
      const previous = dial.parked
      dial.parked = conn
      if (previous !== undefined) previous.replaceWith(conn)
      return
    }
    this.install(conn)
  }

  // ---- internals ----

  private async runDial(peerId: NodeId, addrs: readonly string[], state: DialState): Promise<Connection> {
    const errors: unknown[] = []
    const connectTimeoutMs = this.connectTimeoutFor(peerId)
    try {
      for (const addr of addrs) {
        if (this.isClosed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed')
        let channel: ByteChannel
        try {
          channel = await this.connect(peerId, addr, this.shutdown.signal, connectTimeoutMs)
        } catch (err) {
          this.log('dial %s at %s failed: %s', shortId(peerId), addr, describeError(err))
          if (err instanceof TransportError && HANDSHAKE_FAULTS.has(err.code)) this.countPeerError(err.code)
          errors.push(err)
          continue
        }
        this.dials.delete(peerId)
        const conn = this.createConnection(channel, peerId, 'outbound')
        if (this.isClosed) {
          conn.abort('local')
          throw new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed')
        }
        const parked = state.parked
        if (parked?.isOpen === true) {
          const winner = this.resolveDuplicate(parked, conn)
          const loser = winner === conn ? parked : conn
          this.log('simultaneous dial with %s: keeping %s', shortId(peerId), winner.label)
          loser.replaceWith(winner)
          return this.install(winner)
        }
        return this.install(conn)
      }
    } finally {
      if (this.dials.get(peerId) === state) this.dials.delete(peerId)
    }
    const parked = state.parked
    if (parked?.isOpen === true && !this.isClosed) {
      // Our dial failed but the peer reached us: that is the connection.
      return this.install(parked)
    }
    throw dialError(peerId, addrs, errors)
  }

  /** Makes `conn` the live connection to its peer, unless an existing one wins. */
  private install(conn: FramedConnection): Connection {
    this.silentPeers.delete(conn.remoteId)
    const existing = this.live.get(conn.remoteId)
    if (existing !== undefined && existing !== conn && existing.isOpen) {
      const winner = this.sameKeyElsewhere(existing, conn) ? existing : this.resolveDuplicate(existing, conn)
      this.log('duplicate connection to %s: keeping %s', shortId(conn.remoteId), winner.label)
      if (winner === existing) {
        conn.replaceWith(existing)
        return existing
      }
      this.live.set(conn.remoteId, conn)
      existing.replaceWith(conn)
    } else {
      this.live.set(conn.remoteId, conn)
    }
    this.log('%s established', conn.label)
    this.announce(conn)
    return conn
  }

  /**
   * Two processes with one key: each connection of one replaces the other's. A working
   * link (bytes received within DUPLICATE_RX_WINDOW_MS) replaced by a same-direction
   * newcomer twice within DUPLICATE_WINDOW_MS marks the id as used twice: logged, counted
   * in `duplicateIdentity`, and for DUPLICATE_WINDOW_MS the existing link is kept.
   */
  private sameKeyElsewhere(existing: FramedConnection, newer: FramedConnection): boolean {
    if (existing.direction !== newer.direction) return false
    const now = this.clock.now()
    const id = newer.remoteId
    const until = this.duplicated.get(id)
    if (until !== undefined && until > now) return true
    if (now - existing.lastReceivedMs > DUPLICATE_RX_WINDOW_MS) return false
    const times = (this.replacedWorking.get(id) ?? []).filter((t) => t > now - DUPLICATE_WINDOW_MS)
    times.push(now)
    this.replacedWorking.delete(id)
    if (times.length < 2) {
      this.replacedWorking.set(id, times)
      if (this.replacedWorking.size > MAX_TRACKED_IDS) this.replacedWorking.delete(this.replacedWorking.keys().next().value as NodeId)
      return false
    }
    this.duplicateIdentity++
    this.duplicated.set(id, now + DUPLICATE_WINDOW_MS)
    if (this.duplicated.size > MAX_TRACKED_IDS) this.duplicated.delete(this.duplicated.keys().next().value as NodeId)
    this.log.error('node id %s is connecting from two places at once (%s and %s): two processes share one key; keeping %s', shortId(id), existing.remoteAddr, newer.remoteAddr, existing.label)
    return true
  }

  private rememberSilent(peerId: NodeId, rttMs: number): void {
    this.silentPeers.delete(peerId)
    this.silentPeers.set(peerId, { atMs: this.clock.now(), rttMs })
    if (this.silentPeers.size > MAX_SILENT_PEERS) this.silentPeers.delete(this.silentPeers.keys().next().value as NodeId)
  }

  /** The connect timeout of a dial to `peerId`: short if its last link died of silence lately. */
  private connectTimeoutFor(peerId: NodeId): number {
    const silent = this.silentPeers.get(peerId)
    const configured = this.options.connectTimeoutMs
    if (silent === undefined) return configured
    if (this.clock.now() - silent.atMs > SILENT_PEER_MEMORY_MS) {
      this.silentPeers.delete(peerId)
      return configured
    }
    return Math.min(configured, Math.max(SILENT_PEER_MIN_CONNECT_MS, Math.ceil(SILENT_PEER_CONNECT_RTTS * silent.rttMs)))
  }

  /** The duplicate-connection rule (see the module comment). */
  private resolveDuplicate(older: FramedConnection, newer: FramedConnection): FramedConnection {
    if (older.direction === newer.direction) return newer
    if (newer.establishedAtMs - older.establishedAtMs > this.options.simultaneousDialWindowMs) return newer
    const dialer = (c: FramedConnection): NodeId => (c.direction === 'outbound' ? this.localId : c.remoteId)
    return dialer(older) < dialer(newer) ? older : newer
  }

  private createConnection(channel: ByteChannel, remoteId: NodeId, direction: ConnectionDirection): FramedConnection {
    const conn = new FramedConnection({
      channel,
      remoteId,
      direction,
      serial: ++this.serial,
      options: this.options,
      counters: this.connCounters,
      clock: this.clock,
      log: this.connectionLog,
      limitLog: this.limitLog,
    })
    conn.onClosedInternal((info) => {
      if (this.live.get(remoteId) === conn) this.live.delete(remoteId)
      if (info.reason === 'timeout' && info.error?.code === 'ERR_IDLE_TIMEOUT') this.rememberSilent(remoteId, conn.rttMs ?? 0)
      if (isPeerFault(info)) {
        this.countPeerError(info.error?.code ?? info.reason)
        this.log('%s closed (%s): %s', conn.label, info.reason, describeError(info.error))
      } else {
        this.log('%s closed (%s)', conn.label, info.reason)
      }
    })
    return conn
  }

  private announce(conn: FramedConnection): void {
    const listener = this.listener
    if (listener === undefined) {
      this.unannounced.push(conn)
      return
    }
    try {
      listener(conn)
    } catch (err) {
      this.log.error('connection listener threw: %s', describeError(err))
    }
  }

  private async shutdownNow(): Promise<void> {
    this.shutdown.abort(new TransportError('ERR_TRANSPORT_CLOSED', 'transport is closed'))
    await this.stopListening().catch((err: unknown) => this.log.error('stop listening: %s', describeError(err)))
    const conns = [...this.live.values()]
    for (const dial of this.dials.values()) if (dial.parked !== undefined) conns.push(dial.parked)
    await Promise.all(conns.map((c) => c.close()))
    await Promise.allSettled([...this.dials.values()].map((d) => d.promise))
  }
}

/** A replaced link that received bytes this recently was working (its process is alive). */
const DUPLICATE_RX_WINDOW_MS = 5_000
/** Window for counting replacements, and how long an id known to be used twice keeps its existing link. */
const DUPLICATE_WINDOW_MS = 60_000
/** Cap on ids tracked for duplicate detection. */
const MAX_TRACKED_IDS = 1_024

/** Dial failures the peer at the address caused (it answered, but not as the pinned node). */
const HANDSHAKE_FAULTS = new Set<string>(['ERR_PEER_ID_MISMATCH', 'ERR_HANDSHAKE_TIMEOUT', 'ERR_HANDSHAKE_FAILED'])

/** A close the peer caused: bytes we reject, rate limit, silence, read overflow. */
function isPeerFault(info: CloseInfo): boolean {
  return info.reason === 'protocol' || info.reason === 'timeout' || info.error?.code === 'ERR_READ_OVERFLOW'
}

function dialError(peerId: NodeId, addrs: readonly string[], errors: readonly unknown[]): TransportError {
  const last = errors.at(-1)
  // One failure mode everywhere (e.g. the wrong key at every address): keep its code.
  if (last instanceof TransportError && errors.every((e) => e instanceof TransportError && e.code === last.code)) {
    return last
  }
  const detail = errors.map(describeError).join('; ')
  return new TransportError('ERR_DIAL_FAILED', `could not connect to ${shortId(peerId)} at ${addrs.join(', ')}: ${detail}`, {
    cause: last,
  })
}
