/**
 * The binary body of a version-1 ticket (the checksum around it is added by
 * ticket.ts). All integers are unsigned, big-endian.
 *
 * ```
 * size    field
 * 1       version (1)
 * 32      topic id
 * 1       peer count, 0..MAX_TICKET_PEERS
 * per peer:
 *   32    node id (Ed25519 public key)
 *   1     address count, 1..MAX_ADDRS_PER_PEER
 *   per address:
 *     1   family: 4 or 6
 *     4|16  IP address
 *     2   port, 1..65535
 * ```
 *
 * Decoding is strict and canonical: every field is checked (a known family, a
 * dialable address, a valid node id, no duplicate peer or address, nothing after the
 * last peer), so one ticket has exactly one encoding.
 */
import { asTopicId, hexIdToBytes, hexOfBytes, ID_BYTES } from '../ids.js'
import { TicketError } from './errors.js'
import { checkDialable, formatSocketAddress, MAX_ADDRS_PER_PEER, parseSocketAddress, validateNodeId } from './node-addr.js'
import type { NodeAddr } from './node-addr.js'

/** The only ticket version this code writes and reads. */
export const TICKET_VERSION = 1

/** Most bootstrap peers in one ticket. */
export const MAX_TICKET_PEERS = 16

/** A ticket: a topic and some peers to join it through. */
export interface Ticket {
  /** Topic id, 64 lower-case hex chars. */
  readonly topic: string
  /** Bootstrap peers, 0 to `MAX_TICKET_PEERS`. */
  readonly peers: readonly NodeAddr[]
}

const FAMILY_IPV4 = 4
const FAMILY_IPV6 = 6

/** Largest body: every peer with the maximum number of IPv6 addresses. */
export const MAX_TICKET_BODY_BYTES = 1 + 32 + 1 + MAX_TICKET_PEERS * (ID_BYTES + 1 + MAX_ADDRS_PER_PEER * (1 + 16 + 2))

/** Encodes an already validated ticket (see `validateTicket` in ticket.ts). */
export function encodeTicketBody(ticket: Ticket): Uint8Array {
  const out: number[] = [TICKET_VERSION, ...hexIdToBytes(ticket.topic), ticket.peers.length]
  for (const peer of ticket.peers) {
    out.push(...hexIdToBytes(peer.id), peer.addrs.length)
    for (const addr of peer.addrs) {
      const { family, ip, port } = parseSocketAddress(addr)
      out.push(family === 4 ? FAMILY_IPV4 : FAMILY_IPV6, ...ip, port >>> 8, port & 0xff)
    }
  }
  return Uint8Array.from(out)
}

/**
 * Decodes a body whose checksum was verified. Throws TicketError with `ERR_TICKET_VERSION`,
 * `ERR_TICKET_TRUNCATED`, `ERR_TICKET_TOO_MANY_PEERS`, `ERR_TICKET_DUPLICATE_PEER`,
 * `ERR_TICKET_TRAILING_BYTES`, `ERR_INVALID_NODE_ID`, `ERR_INVALID_NODE_ADDRESS`,
 * `ERR_NO_ADDRESSES`, `ERR_TOO_MANY_ADDRESSES` or `ERR_DUPLICATE_ADDRESS`.
 */
export function decodeTicketBody(bytes: Uint8Array): Ticket {
  const reader = new Reader(bytes)
  const version = reader.byte('the version')
  if (version !== TICKET_VERSION) {
    throw new TicketError('ERR_TICKET_VERSION', `ticket version ${version} is not supported (this hearsay reads version ${TICKET_VERSION}; is the ticket from a newer release?)`)
  }
  const topic = asTopicId(hexOfBytes(reader.bytes(ID_BYTES, 'the topic id')))
  const peerCount = reader.byte('the peer count')
  if (peerCount > MAX_TICKET_PEERS) {
    throw new TicketError('ERR_TICKET_TOO_MANY_PEERS', `ticket lists ${peerCount} peers, at most ${MAX_TICKET_PEERS} are allowed`)
  }
  const peers: NodeAddr[] = []
  const seen = new Set<string>()
  for (let p = 1; p <= peerCount; p++) {
    const where = `ticket peer ${p}`
    const id = validateNodeId(hexOfBytes(reader.bytes(ID_BYTES, `${where}'s node id`)), `${where}: node id`)
    if (seen.has(id)) throw new TicketError('ERR_TICKET_DUPLICATE_PEER', `${where}: node ${id} is listed twice`)
    seen.add(id)
    const addrCount = reader.byte(`${where}'s address count`)
    if (addrCount === 0) throw new TicketError('ERR_NO_ADDRESSES', `${where}: has no address`)
    if (addrCount > MAX_ADDRS_PER_PEER) {
      throw new TicketError('ERR_TOO_MANY_ADDRESSES', `${where}: has ${addrCount} addresses, at most ${MAX_ADDRS_PER_PEER} are allowed`)
    }
    const addrs: string[] = []
    for (let a = 1; a <= addrCount; a++) {
      const whereAddr = `${where}, address ${a}`
      const family = reader.byte(`${whereAddr}'s family`)
      if (family !== FAMILY_IPV4 && family !== FAMILY_IPV6) {
        throw new TicketError('ERR_INVALID_NODE_ADDRESS', `${whereAddr}: unknown address family ${family} (expected 4 or 6)`)
      }
      const ip = reader.bytes(family === FAMILY_IPV4 ? 4 : 16, `${whereAddr}'s IP`)
      const portBytes = reader.bytes(2, `${whereAddr}'s port`)
      const address = { family: family as 4 | 6, ip, port: ((portBytes[0] as number) << 8) | (portBytes[1] as number) }
      const text = formatSocketAddress(address)
      checkDialable(address, text, whereAddr)
      if (addrs.includes(text)) throw new TicketError('ERR_DUPLICATE_ADDRESS', `${where}: address ${text} is listed twice`)
      addrs.push(text)
    }
    peers.push({ id, addrs })
  }
  if (reader.remaining > 0) {
    throw new TicketError('ERR_TICKET_TRAILING_BYTES', `ticket has ${reader.remaining} unexpected bytes after the last peer`)
  }
  return { topic, peers }
}

class Reader {
  private offset = 0

  constructor(private readonly data: Uint8Array) {}

  get remaining(): number {
    return this.data.length - this.offset
  }

  byte(what: string): number {
    return this.bytes(1, what)[0] as number
  }

  bytes(count: number, what: string): Uint8Array {
    if (this.remaining < count) {
      throw new TicketError('ERR_TICKET_TRUNCATED', `ticket is truncated: it ends inside ${what}`)
    }
    const out = this.data.subarray(this.offset, this.offset + count)
    this.offset += count
    return out
  }
}
