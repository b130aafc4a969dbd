/**
 * A node address: a node id (64 lower-case hex chars of its Ed25519 public key) and
 * the socket addresses it can be dialed at, in order of preference. This is what a
 * ticket carries per bootstrap peer and what mDNS announces.
 *
 * Addresses are IP literals only ('192.168.1.7:4000', '[fd00::7]:4000'): host names
 * would need resolving on another machine and do not fit the ticket's binary layout.
 * The unspecified addresses (0.0.0.0, ::), port 0, zone ids and duplicates are
 * rejected. Validation returns canonical addresses (see ip-bytes.ts), so two spellings
 * of one IPv6 address compare equal.
 */
import { isAnyCaseHexId, isHexId, isNodeId as isEd25519NodeId, type NodeId } from '../ids.js'
import { parseAddress } from '../transport/address.js'
import { TicketError } from './errors.js'
import { formatIp, ipToBytes, isUnspecifiedIp } from './ip-bytes.js'

/** A node and where it can be dialed: what tickets, mDNS and `node.addr()` carry. */
export interface NodeAddr {
  /** Node id: 64 lower-case hex chars of the 32-byte Ed25519 public key. */
  readonly id: string
  /** 'IPv4:port' or '[IPv6]:port' strings, most preferred first. */
  readonly addrs: readonly string[]
}

/** Most addresses one node address may hold (a ticket peer, an mDNS announcement). */
export const MAX_ADDRS_PER_PEER = 8

/** A parsed socket address. */
export interface SocketAddress {
  /** 4 or 6. */
  readonly family: 4 | 6
  /** 4 or 16 bytes. */
  readonly ip: Uint8Array
  /** 0-65535 (0 only from `parseSocketAddress`; `canonicalAddress` refuses it). */
  readonly port: number
}

/**
 * True when `id` is 64 lower-case hex chars that decode to a point on the Ed25519
 * curve (see ids.ts).
 */
export const isNodeId: (id: unknown) => id is NodeId = isEd25519NodeId

/** Throws TicketError `ERR_INVALID_NODE_ID` unless `id` passes `isNodeId`. */
export function validateNodeId(id: unknown, where = 'node id'): NodeId {
  if (typeof id !== 'string') throw new TicketError('ERR_INVALID_NODE_ID', `${where}: not a string`)
  if (!isHexId(id)) {
    const hint = isAnyCaseHexId(id) ? ' (use lower case)' : ''
    throw new TicketError('ERR_INVALID_NODE_ID', `${where}: expected 64 lower-case hex chars, got ${JSON.stringify(clip(id))}${hint}`)
  }
  if (!isNodeId(id)) throw new TicketError('ERR_INVALID_NODE_ID', `${where}: ${clip(id)} is not an Ed25519 public key`)
  return id
}

/**
 * Parses 'IPv4:port' or '[IPv6]:port' into family, bytes and port. Accepts port 0 and
 * the unspecified addresses (callers decide). Throws TicketError `ERR_INVALID_NODE_ADDRESS`.
 */
export function parseSocketAddress(addr: unknown, where = 'address'): SocketAddress {
  const bad = (why: string, cause?: unknown): TicketError =>
    new TicketError('ERR_INVALID_NODE_ADDRESS', `${where} ${JSON.stringify(typeof addr === 'string' ? clip(addr) : addr)}: ${why}`, { cause })
  if (typeof addr !== 'string') throw bad('not a string')
  let host: string
  let port: number
  try {
    ;({ host, port } = parseAddress(addr))
  } catch (err) {
    throw bad("expected 'IPv4:port' or '[IPv6]:port'", err)
  }
  const ip = ipToBytes(host)
  if (ip === undefined) {
    throw bad(host.includes('%') ? 'zone ids cannot be carried' : 'host names are not allowed, use an IP address')
  }
  return { family: ip.length === 4 ? 4 : 6, ip, port }
}

/** Canonical 'host:port' text of a socket address. */
export function formatSocketAddress(address: SocketAddress): string {
  const host = formatIp(address.ip)
  return address.family === 6 ? `[${host}]:${address.port}` : `${host}:${address.port}`
}

/**
 * Canonical form of a dialable address: throws TicketError `ERR_INVALID_NODE_ADDRESS`
 * for anything that is not an IP literal with port 1-65535, and for 0.0.0.0 / ::.
 */
export function canonicalAddress(addr: unknown, where = 'address'): string {
  const parsed = parseSocketAddress(addr, where)
  checkDialable(parsed, addr as string, where)
  return formatSocketAddress(parsed)
}

/** Throws `ERR_INVALID_NODE_ADDRESS` for port 0 and unspecified hosts. */
export function checkDialable(address: SocketAddress, text: string, where = 'address'): void {
  if (address.port === 0) {
    throw new TicketError('ERR_INVALID_NODE_ADDRESS', `${where} ${JSON.stringify(clip(text))}: port 0 cannot be dialed`)
  }
  if (isUnspecifiedIp(address.ip)) {
    throw new TicketError('ERR_INVALID_NODE_ADDRESS', `${where} ${JSON.stringify(clip(text))}: the unspecified address cannot be dialed, give a concrete IP`)
  }
}

/**
 * Checks a node address and returns a canonical copy: a valid node id, 1 to
 * `MAX_ADDRS_PER_PEER` dialable addresses, no duplicates. Throws TicketError
 * `ERR_INVALID_NODE_ID`, `ERR_INVALID_NODE_ADDRESS`, `ERR_NO_ADDRESSES`,
 * `ERR_TOO_MANY_ADDRESSES` or `ERR_DUPLICATE_ADDRESS`; `where` prefixes the message.
 */
export function validateNodeAddr(value: unknown, where = 'node address'): NodeAddr {
  if (typeof value !== 'object' || value === null) {
    throw new TicketError('ERR_INVALID_NODE_ID', `${where}: expected { id, addrs }`)
  }
  const { id, addrs } = value as { id?: unknown; addrs?: unknown }
  validateNodeId(id, `${where}: node id`)
  if (!Array.isArray(addrs)) throw new TicketError('ERR_NO_ADDRESSES', `${where}: addrs must be an array of 'host:port' strings`)
  if (addrs.length === 0) throw new TicketError('ERR_NO_ADDRESSES', `${where}: has no address`)
  if (addrs.length > MAX_ADDRS_PER_PEER) {
    throw new TicketError('ERR_TOO_MANY_ADDRESSES', `${where}: has ${addrs.length} addresses, at most ${MAX_ADDRS_PER_PEER} are allowed`)
  }
  const canonical: string[] = []
  for (const addr of addrs as unknown[]) {
    const text = canonicalAddress(addr, `${where}: address`)
    if (canonical.includes(text)) throw new TicketError('ERR_DUPLICATE_ADDRESS', `${where}: address ${text} is listed twice`)
    canonical.push(text)
  }
  return { id: id as string, addrs: canonical }
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
