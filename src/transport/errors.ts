/**
 * Typed errors of the transport layer. Every error carries a stable `code`; the
 * message is for humans. Errors caused by a remote peer (bad bytes, timeouts, resets)
 * never escape as exceptions: they close that one connection and are reported in its
 * `CloseInfo`. Errors caused by the caller (bad address, oversized send, closed
 * transport) are thrown at the call site.
 */
import { HearsayError } from '../errors.js'

/** Stable codes of {@link TransportError}. */
export type TransportErrorCode =
  /** An address is not a valid 'host:port' string. */
  | 'ERR_INVALID_ADDRESS'
  /** A peer id is not 64 lower-case hex chars. */
  | 'ERR_INVALID_PEER_ID'
  /** The dialed peer authenticated with a different key than the one pinned. */
  | 'ERR_PEER_ID_MISMATCH'
  /** The Noise handshake did not finish within `handshakeTimeoutMs`. */
  | 'ERR_HANDSHAKE_TIMEOUT'
  /** The Noise handshake failed (bad signature, unsupported key, early EOF, ...). */
  | 'ERR_HANDSHAKE_FAILED'
  /** No address of the peer could be connected to. */
  | 'ERR_DIAL_FAILED'
  /** Dialing ourselves. */
  | 'ERR_DIAL_SELF'
  /** Too many dials in progress (`maxPendingDials`). */
  | 'ERR_DIAL_LIMIT'
  /** Too many open connections (`maxConnections`). */
  | 'ERR_CONNECTION_LIMIT'
  /** The transport was closed. */
  | 'ERR_TRANSPORT_CLOSED'
  /** The caller tried to send a frame larger than `maxFrameBytes`. */
  | 'ERR_SEND_TOO_LARGE'
  /** A peer announced a frame larger than `maxFrameBytes`. */
  | 'ERR_FRAME_TOO_LARGE'
  /** A peer sent bytes that are not a valid frame (unknown kind, bad ciphertext). */
  | 'ERR_MALFORMED_FRAME'
  /** Nothing (not even a keepalive) was received for `idleTimeoutMs`. */
  | 'ERR_IDLE_TIMEOUT'
  /** The connection ended without a goodbye, or the socket failed. */
  | 'ERR_CONNECTION_RESET'
  /** The peer sent frames faster than they could be handled (read buffer limit). */
  | 'ERR_READ_OVERFLOW'
  /** The peer stayed over the per-connection inbound rate limit (see rate-limit.ts). */
  | 'ERR_RATE_LIMITED'
  /** A frame did not arrive whole within `frameTimeoutMs` of its first byte. */
  | 'ERR_FRAME_TIMEOUT'
  /** Unfinished frames across all connections would hold more than `maxBufferedFrameBytes`. */
  | 'ERR_FRAME_MEMORY'
  /** The peer took none of our queued bytes for `sendStallTimeoutMs` (it stopped reading). */
  | 'ERR_SEND_STALLED'
  /** The listener could not bind. */
  | 'ERR_LISTEN_FAILED'

/** Any error raised by the transport layer. */
export class TransportError extends HearsayError {
  /** Stable error code to switch on. */
  declare readonly code: TransportErrorCode

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/** Stable codes of {@link KeyFileError}. */
export type KeyFileErrorCode =
  /** The key file exists but its content is not a valid secret key. */
  | 'ERR_KEY_FILE_CORRUPT'
  /** A new key file would overwrite an existing file. */
  | 'ERR_KEY_FILE_EXISTS'
  /** The key file could not be read or written. */
  | 'ERR_KEY_FILE_IO'
  /** A secret key or public key has the wrong size or encoding. */
  | 'ERR_INVALID_KEY'

/** Errors of identity creation and key-file handling. */
export class KeyFileError extends HearsayError {
  /** Stable error code to switch on. */
  declare readonly code: KeyFileErrorCode

  constructor(code: KeyFileErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/** Short human description of any thrown value, for logs and error messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message
  }
  return String(err)
}
