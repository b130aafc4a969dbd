/**
 * Where peers can be dialed: node id -> 'host:port' addresses, learned from bootstrap
 * lists, tickets, mDNS and the address data carried inside HyParView messages.
 *
 * Address data on the wire is the UTF-8 of the addresses joined by ','; anything that
 * does not parse as 'host:port' is ignored. Capacity: `maxPeers` entries, least
 * recently updated forgotten first; at most MAX_ADDRS_PER_PEER addresses each.
 */
import { parseAddress } from '../../transport/address.js'
import { MAX_ADDRS_PER_PEER } from '../../ticket/node-addr.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: false })

/** Encodes our addresses as the core's opaque peer data. */
export function encodeAddrs(addrs: readonly string[]): Uint8Array {
  return encoder.encode(addrs.slice(0, MAX_ADDRS_PER_PEER).join(','))
}

/** Decodes peer data into valid 'host:port' addresses (invalid ones are dropped). */
export function decodeAddrs(data: Uint8Array): string[] {
  return validAddrs(decoder.decode(data).split(','))
}

export function validAddrs(addrs: readonly string[]): string[] {
  const out: string[] = []
  for (const addr of addrs) {
    if (out.length >= MAX_ADDRS_PER_PEER) break
    try {
      parseAddress(addr)
      if (!out.includes(addr)) out.push(addr)
    } catch {
      // ignore a malformed address from the network
    }
  }
  return out
}

/** Where a peer's addresses came from: the user's own (bootstrap, ticket, mDNS, addPeer) or a neighbor. */
export type AddressSource = { readonly learned: false } | { readonly learned: true; readonly informant: string }

const LOCAL: AddressSource = Object.freeze({ learned: false })

export class AddressBook {
  private readonly entries = new Map<string, string[]>()
  private readonly sources = new Map<string, AddressSource>()

  constructor(private readonly maxPeers = 4_096) {}

  get size(): number {
    return this.entries.size
  }

  get(peer: string): readonly string[] {
    return this.entries.get(peer) ?? []
  }

  /** Where `peer`'s addresses came from (local if unknown). */
  source(peer: string): AddressSource {
    return this.sources.get(peer) ?? LOCAL
  }

  /** Records `addrs` for `peer` (valid ones only); an empty list changes nothing. */
  set(peer: string, addrs: readonly string[], source: AddressSource = LOCAL): void {
    const valid = validAddrs(addrs)
    if (valid.length === 0) return
    this.entries.delete(peer)
    this.entries.set(peer, valid)
    this.sources.delete(peer)
    if (source.learned) this.sources.set(peer, source)
    if (this.entries.size > this.maxPeers) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
      this.sources.delete(oldest)
    }
  }

  /** Forgets `peer`'s addresses. */
  delete(peer: string): void {
    this.entries.delete(peer)
    this.sources.delete(peer)
  }
}
