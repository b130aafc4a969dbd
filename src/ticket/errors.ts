/**
 * Errors of the ticket module: tickets, node addresses and topic ids. Every failure
 * is a `TicketError` with a stable `code` naming the problem; the message says where
 * (which peer, which address) and why. These are *local* errors: bad input given by
 * the caller or pasted by a user, thrown at the call site.
 */
import { HearsayError } from '../errors.js'

/** Stable codes of {@link TicketError}. */
export type TicketErrorCode =
  /** The text does not start with the ticket prefix (`hearsay1`). */
  | 'ERR_TICKET_PREFIX'
  /** The ticket is well-formed but its version byte is one this code does not know. */
  | 'ERR_TICKET_VERSION'
  /** The checksum does not match: a typo, or a ticket cut or pasted wrongly. */
  | 'ERR_TICKET_CHECKSUM'
  /** The ticket ends in the middle of a field. */
  | 'ERR_TICKET_TRUNCATED'
  /** Bytes follow the last peer. */
  | 'ERR_TICKET_TRAILING_BYTES'
  /** A character outside the lower-case base32 alphabet (`a-z`, `2-7`), or not a string. */
  | 'ERR_TICKET_CHARACTERS'
  /** The base32 body has an impossible length or non-zero padding bits. */
  | 'ERR_TICKET_ENCODING'
  /** Longer than `MAX_TICKET_CHARS`. */
  | 'ERR_TICKET_TOO_LONG'
  /** More than `MAX_TICKET_PEERS` peers. */
  | 'ERR_TICKET_TOO_MANY_PEERS'
  /** The same node id appears twice. */
  | 'ERR_TICKET_DUPLICATE_PEER'
  /** A node id is not 64 lower-case hex chars of an Ed25519 public key. */
  | 'ERR_INVALID_NODE_ID'
  /** An address is not 'IPv4:port' or '[IPv6]:port' with a dialable host and port 1-65535. */
  | 'ERR_INVALID_NODE_ADDRESS'
  /** A peer has no address. */
  | 'ERR_NO_ADDRESSES'
  /** A peer has more than `MAX_ADDRS_PER_PEER` addresses. */
  | 'ERR_TOO_MANY_ADDRESSES'
  /** The same address (after canonicalisation) appears twice for one peer. */
  | 'ERR_DUPLICATE_ADDRESS'
  /** A topic id or topic name is invalid. */
  | 'ERR_INVALID_TOPIC'

/** Any error of tickets, node addresses and topic ids. */
export class TicketError extends HearsayError {
  /** Stable error code to switch on. */
  declare readonly code: TicketErrorCode

  constructor(code: TicketErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
