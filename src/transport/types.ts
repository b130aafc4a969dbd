/**
 * The transport contract the node driver depends on. Two implementations share it:
 * `TcpTransport` (Noise XX over TCP) and `MemoryTransport` (in-process, for driver
 * tests). A connection is authenticated: `remoteId` is the peer's Ed25519 public key
 * proven in the handshake. One connection per peer pair carries every topic.
 *
 * Addresses are 'host:port' strings ('127.0.0.1:4000', '[::1]:4000').
 */
import type { NodeId } from '../ids.js'
import type { TransportError } from './errors.js'

/** Who opened a connection: `inbound` (the peer dialed us) or `outbound` (we dialed). */
export type ConnectionDirection = 'inbound' | 'outbound'

/**
 * Why a connection closed.
 * - `local`: this side called `close()` (or closed the transport).
 * - `remote`: the peer closed gracefully (it sent a goodbye before EOF).
 * - `replaced`: another connection to the same peer won a duplicate-connection race
 *   (simultaneous dial, or the peer re-dialed); the winner is (or is about to be)
 *   announced through `onConnection`. Not a failure: frames still arriving on the
 *   loser are delivered through the winner's handler, and sends on the loser are
 *   passed to the winner.
 * - `timeout`: nothing was received for `idleTimeoutMs` (keepalives included).
 * - `protocol`: the peer sent bytes we reject (oversized or malformed frame,
 *   undecryptable data); see `error`.
 * - `error`: the socket failed or ended without a goodbye (peer crashed, reset).
 */
export type CloseReason = 'local' | 'remote' | 'replaced' | 'timeout' | 'protocol' | 'error'

/** Why a connection closed, as `onClose` and `closed` report it. */
export interface CloseInfo {
  /** Why it closed (see {@link CloseReason}). */
  readonly reason: CloseReason
  /** Set for `timeout`, `protocol` and `error`. */
  readonly error?: TransportError | undefined
}

/** The callbacks a connection delivers its frames, drain and close to. */
export interface ConnectionHandler {
  /** One received frame, in order. Called synchronously; do not keep it waiting. */
  onFrame(frame: Uint8Array): void
  /** The send queue dropped below half of `maxQueuedBytes` after `send()` returned false. */
  onDrain?(): void
  /** Called once when the connection is closed; same value as `closed` resolves to. */
  onClose?(info: CloseInfo): void
}

/** One authenticated, framed connection to a peer. */
export interface Connection {
  /** Per-transport serial number, for logs. */
  readonly serial: number
  /** Authenticated node id of the peer. */
  readonly remoteId: NodeId
  /** Who dialed. */
  readonly direction: ConnectionDirection
  /** 'host:port' of the peer's socket (for inbound: its ephemeral port). */
  readonly remoteAddr: string
  /** True until close starts; `send()` then returns false. */
  readonly isOpen: boolean
  /** Bytes queued and not yet handed to the socket. */
  readonly queuedBytes: number
  /**
   * Queues one frame. Frames queued in the same tick go out in one write.
   * Returns false and queues nothing when the connection is not open or the queue is
   * full (`maxQueuedBytes`): the caller drops or retries after `onDrain`. A connection
   * closed as `replaced` passes later sends on to the connection that replaced it.
   * Throws TransportError `ERR_SEND_TOO_LARGE` for a frame above `maxFrameBytes`.
   * The frame is copied before `send()` returns: the caller may reuse it.
   */
  send(frame: Uint8Array): boolean
  /**
   * Sets where received frames go. Frames that arrive before a handler is set are
   * buffered (bounded by `maxQueuedBytes`) and delivered when it is set.
   */
  setHandler(handler: ConnectionHandler): void
  /** Resolves once, when the connection is fully closed. Never rejects. */
  readonly closed: Promise<CloseInfo>
  /**
   * Graceful close: queued frames are sent, then a goodbye, then EOF; resolves when the
   * socket is closed (at most `closeTimeoutMs` later). Idempotent.
   */
  close(): Promise<void>
}

/** Called with each connection that becomes the live connection to a peer (`Transport.onConnection`). */
export type ConnectionListener = (connection: Connection) => void

/**
 * What a node needs of a transport: listen, dial authenticated peers, exchange frames.
 * Implemented by {@link TcpTransport} (Noise over TCP) and {@link MemoryTransport}.
 */
export interface Transport {
  /** This node's id. */
  readonly localId: NodeId
  /** Addresses bound by `listen`, with the actual port. */
  readonly listenAddrs: readonly string[]
  /** Starts accepting connections on 'host:port' (port 0 picks one); returns the bound address. */
  listen(addr: string): Promise<string>
  /**
   * Connects to `peerId`, trying `addrs` in order, and authenticates it: a peer that
   * proves another key fails with `ERR_PEER_ID_MISMATCH`. Resolves with the single live
   * connection to that peer: an existing one, one a concurrent dial produced, or an
   * inbound one that won a simultaneous dial. Errors: `ERR_DIAL_FAILED` (cause: the
   * last address's error), `ERR_DIAL_SELF`, `ERR_DIAL_LIMIT`, `ERR_CONNECTION_LIMIT`,
   * `ERR_TRANSPORT_CLOSED`, `ERR_INVALID_ADDRESS`.
   */
  dial(peerId: string, addrs: readonly string[]): Promise<Connection>
  /**
   * Called for every connection that becomes the live connection to a peer, inbound or
   * outbound, before any `dial()` resolves with it. Connections established before a
   * listener is set are delivered when it is set.
   */
  onConnection(listener: ConnectionListener): void
  /** The live connection to a peer, if any. */
  getConnection(peerId: string): Connection | undefined
  /** All live connections. */
  connections(): Connection[]
  /** Closes the listeners and every connection (reason `local`). Idempotent. */
  close(): Promise<void>
  /**
   * Drops every connection at once, without a goodbye, and stops listening: peers see
   * a failure (reason `error`), as if this process had crashed. For tests and
   * emergency shutdown.
   */
  abort(): Promise<void>
  /** Counters of misbehaving peers (rate limits, disconnect reasons), where the transport keeps them. */
  counters?(): TransportCounters
  /** Bytes written to and read from the network so far, where the transport counts them. */
  byteCounts?(): ByteCounts
}

/** Bytes a transport moved over the network (`Transport.byteCounts()`). */
export interface ByteCounts {
  /** Bytes written to sockets. */
  bytesWritten: number
  /** Bytes read from sockets. */
  bytesRead: number
}

/** What a transport counts about misbehaving peers (`Transport.counters()`). */
export interface TransportCounters {
  /** Inbound frames dropped by the per-connection rate limits. */
  rateLimitedFrames: number
  /**
   * Connections and handshakes ended by the peer's fault, by error code:
   * `ERR_RATE_LIMITED`, `ERR_FRAME_TOO_LARGE`, `ERR_MALFORMED_FRAME`, `ERR_IDLE_TIMEOUT`,
   * `ERR_READ_OVERFLOW`, `ERR_HANDSHAKE_TIMEOUT`, `ERR_HANDSHAKE_FAILED`,
   * `ERR_PEER_ID_MISMATCH` (a dialed address proved another key).
   */
  peerErrors: Record<string, number>
  /** Inbound sockets closed at once because `maxConnections` or `maxPendingInbound` was reached. */
  inboundRefused: number
  /** Live connections now (at most `maxConnections`). */
  openConnections: number
  /** Inbound handshakes in progress now (at most `maxPendingInbound`). */
  pendingHandshakes: number
  /** Bytes held now for unfinished inbound frames, all connections (at most `maxBufferedFrameBytes`). */
  bufferedFrameBytes?: number
  /**
   * Connections from a node id that already had a live, working link from elsewhere
   * (two processes with one key): each was detected, logged and counted; one link is kept.
   */
  duplicateIdentity?: number
}
