/**
 * A byte channel: an authenticated, ordered, reliable byte stream with half-close,
 * below the framing layer. The TCP transport provides one over a Noise-secured
 * socket, the memory transport one over an in-process pipe. `FramedConnection` turns a
 * channel into a `Connection`.
 */
import type { TransportError } from './errors.js'

export interface ByteChannelEvents {
  /** Bytes from the peer, in order. */
  onData(chunk: Uint8Array): void
  /** The peer half-closed (EOF) after all its data was delivered. */
  onEnd(): void
  /** The channel can take more writes after `write()` returned false. */
  onDrain(): void
  /**
   * The channel is fully closed; called exactly once. `error` explains an abnormal
   * close: `ERR_CONNECTION_RESET` (socket failed) or `ERR_MALFORMED_FRAME`
   * (undecryptable bytes).
   */
  onClose(error?: TransportError): void
}

export interface ByteChannel {
  /** 'host:port' of the peer. */
  readonly remoteAddr: string
  /**
   * How long the secure handshake took, ms: about one round trip plus the key
   * agreement. Sets the connection's silent-peer deadline (see `FramedConnection`).
   * Undefined when not measured (in-memory channels).
   */
  handshakeRttMs?: number
  /** Starts delivering events; bytes received earlier are held until then. Call once. */
  start(events: ByteChannelEvents): void
  /** Writes bytes; false asks the caller to wait for `onDrain` before writing again. */
  write(chunk: Uint8Array): boolean
  /** Half-close: EOF after everything written so far. Reading continues. */
  end(): void
  /** Drops the channel at once; `onClose` follows. */
  destroy(error?: TransportError): void
}
