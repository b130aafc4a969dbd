/**
 * Tickets: everything needed to join a topic, as one string a user can copy and
 * paste. Format: the prefix `hearsay1` (the name, then '1' as a separator as in
 * bech32: '1' is not a base32 digit), then lower-case unpadded base32 (`a-z2-7`) of
 * `body || checksum`, where `body` is the binary layout in codec.ts (starting with a
 * version byte) and `checksum` is the first 4 bytes of sha256(body). Letters and
 * digits only, so a double click selects the whole ticket.
 *
 * Every version keeps this envelope (prefix, base32, trailing 4-byte checksum), so a
 * typo is reported as a bad checksum and a ticket from a newer release as an unknown
 * version.
 *
 * Limits: `MAX_TICKET_PEERS` (16) peers, `MAX_ADDRS_PER_PEER` (8) addresses each,
 * `MAX_TICKET_CHARS` characters in all (4,805: 16 peers with 8 IPv6 addresses each).
 * A topic with one peer and one IPv4 address takes 133 characters.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { base32Decode, base32Encode, base32Length } from './base32.js'
import { decodeTicketBody, encodeTicketBody, MAX_TICKET_BODY_BYTES, MAX_TICKET_PEERS } from './codec.js'
import type { Ticket } from './codec.js'
import { TicketError } from './errors.js'
import { validateNodeAddr } from './node-addr.js'
import type { NodeAddr } from './node-addr.js'
import { validateTopicId } from './topic.js'

/** Every ticket starts with this. */
export const TICKET_PREFIX = 'hearsay1'

/** Bytes of sha256(body) appended as a checksum. */
export const TICKET_CHECKSUM_BYTES = 4

/** Longest possible ticket, in characters (prefix included). */
export const MAX_TICKET_CHARS = TICKET_PREFIX.length + base32Length(MAX_TICKET_BODY_BYTES + TICKET_CHECKSUM_BYTES)

/**
 * Checks a ticket and returns a canonical copy (canonical address spelling). Throws
 * TicketError: `ERR_INVALID_TOPIC`, `ERR_TICKET_TOO_MANY_PEERS`,
 * `ERR_TICKET_DUPLICATE_PEER`, or a node-address code naming the peer.
 */
export function validateTicket(ticket: { topic: string; peers: readonly NodeAddr[] }): Ticket {
  if (typeof ticket !== 'object' || ticket === null) throw new TicketError('ERR_INVALID_TOPIC', 'ticket must be { topic, peers }')
  const topic = validateTopicId(ticket.topic, 'ticket topic')
  if (!Array.isArray(ticket.peers)) throw new TicketError('ERR_TICKET_TOO_MANY_PEERS', 'ticket peers must be an array')
  if (ticket.peers.length > MAX_TICKET_PEERS) {
    throw new TicketError('ERR_TICKET_TOO_MANY_PEERS', `ticket lists ${ticket.peers.length} peers, at most ${MAX_TICKET_PEERS} are allowed`)
  }
  const seen = new Set<string>()
  const peers = ticket.peers.map((peer, i) => {
    const checked = validateNodeAddr(peer, `ticket peer ${i + 1}`)
    if (seen.has(checked.id)) throw new TicketError('ERR_TICKET_DUPLICATE_PEER', `ticket peer ${i + 1}: node ${checked.id} is listed twice`)
    seen.add(checked.id)
    return checked
  })
  return { topic, peers }
}

/** Encodes a ticket. Validates first (see `validateTicket`); throws TicketError. */
export function encodeTicket(ticket: { topic: string; peers: readonly NodeAddr[] }): string {
  return wrapTicketBody(encodeTicketBody(validateTicket(ticket)))
}

/**
 * Parses a ticket. Only surrounding whitespace is ignored. Throws TicketError naming
 * the problem: `ERR_TICKET_CHARACTERS`, `ERR_TICKET_TOO_LONG`, `ERR_TICKET_PREFIX`,
 * `ERR_TICKET_ENCODING`, `ERR_TICKET_TRUNCATED`, `ERR_TICKET_CHECKSUM`,
 * `ERR_TICKET_VERSION`, `ERR_TICKET_TOO_MANY_PEERS`, `ERR_TICKET_DUPLICATE_PEER`,
 * `ERR_TICKET_TRAILING_BYTES`, or a node-address code (`ERR_INVALID_NODE_ID`,
 * `ERR_INVALID_NODE_ADDRESS`, `ERR_NO_ADDRESSES`, `ERR_TOO_MANY_ADDRESSES`,
 * `ERR_DUPLICATE_ADDRESS`).
 */
export function parseTicket(text: string): Ticket {
  if (typeof text !== 'string') throw new TicketError('ERR_TICKET_CHARACTERS', 'a ticket must be a string')
  const trimmed = text.trim()
  if (trimmed.length > MAX_TICKET_CHARS) {
    throw new TicketError('ERR_TICKET_TOO_LONG', `ticket is ${trimmed.length} characters, at most ${MAX_TICKET_CHARS} are possible`)
  }
  if (!trimmed.startsWith(TICKET_PREFIX)) {
    const hint = trimmed.toLowerCase().startsWith(TICKET_PREFIX) ? ' (tickets are lower case)' : ''
    throw new TicketError('ERR_TICKET_PREFIX', `not a hearsay ticket: it must start with "${TICKET_PREFIX}"${hint}`)
  }
  const bytes = base32Decode(trimmed.slice(TICKET_PREFIX.length), TICKET_PREFIX.length)
  if (bytes.length < 1 + TICKET_CHECKSUM_BYTES) {
    throw new TicketError('ERR_TICKET_TRUNCATED', `ticket is truncated: ${bytes.length} bytes is too short for a version and a checksum`)
  }
  const body = bytes.subarray(0, bytes.length - TICKET_CHECKSUM_BYTES)
  const expected = sha256(body).subarray(0, TICKET_CHECKSUM_BYTES)
  const actual = bytes.subarray(bytes.length - TICKET_CHECKSUM_BYTES)
  if (!expected.every((b, i) => b === actual[i])) {
    throw new TicketError('ERR_TICKET_CHECKSUM', 'ticket checksum does not match: it was mistyped, cut short or changed')
  }
  return decodeTicketBody(body)
}

/**
 * Prefix + base32 of `body || checksum`, for any body bytes. Exported for tests that
 * craft bodies with valid checksums; use `encodeTicket` otherwise.
 */
export function wrapTicketBody(body: Uint8Array): string {
  const bytes = new Uint8Array(body.length + TICKET_CHECKSUM_BYTES)
  bytes.set(body)
  bytes.set(sha256(body).subarray(0, TICKET_CHECKSUM_BYTES), body.length)
  return TICKET_PREFIX + base32Encode(bytes)
}
