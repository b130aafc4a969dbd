/**
 * The DNS records hearsay's mDNS discovery sends and accepts (pure: no sockets, no
 * clock). Shaped like DNS-SD (RFC 6763), so standard browsers can list nodes
 * (`avahi-browse _hearsay._udp`); there are no SRV or A records: addresses are in TXT.
 * Only IPv4 multicast (224.0.0.251) is used; announced addresses may be IPv6.
 *
 * - query: one PTR question for the service name (default `_hearsay._udp.local`);
 * - announcement (a response): `PTR <service> -> <instance>.<service>` and
 *   `TXT <instance>.<service>`, where the instance label is the base32 node id (52
 *   chars, under DNS's 63-char label limit) and the TXT strings are
 *   - `v=1`: record format version (records with another version are dropped);
 *   - `id=<64 hex>`: the node id;
 *   - `a=<host:port>`: a dialable address, as given by the node (IP literals only);
 *   - `p=<port>`: "the address this packet came from, at this port": announced for a
 *     node listening on 0.0.0.0 / [::], which does not know its LAN address;
 *   - `t=<64 hex>`: a topic id the node is in, at most `MAX_ANNOUNCED_TOPICS`.
 *   Unknown keys are ignored, so later versions can add fields.
 *
 * Size: a worst-case announcement (8 longest IPv6 addresses, 8 topics) encodes to
 * 1,209 bytes, a typical one (one port, one topic) to 347 and a query to 37: under an
 * Ethernet MTU (1,472 bytes of UDP payload), so nothing is fragmented.
 * That is why topics are capped at 8: a node in more topics announces the first 8
 * that `topics()` returns, and peers in the others must find it another way (ticket).
 *
 * Nothing here is authenticated: an announcement only says "try dialing this id at
 * these addresses". The driver dials with the announced id pinned in the Noise
 * handshake, so a forged announcement can waste a dial but cannot impersonate a node.
 */
import type { Answer, Question, TxtAnswer } from 'dns-packet'
import { isIP } from 'node:net'
import { hexIdToBytes } from '../ids.js'
import { base32Encode } from '../ticket/base32.js'
import { TicketError } from '../ticket/errors.js'
import {
  MAX_ADDRS_PER_PEER,
  canonicalAddress,
  isNodeId,
  parseSocketAddress,
  validateNodeId,
} from '../ticket/node-addr.js'
import type { NodeAddr } from '../ticket/node-addr.js'
import { isTopicId } from '../ticket/topic.js'

import { DEFAULT_SERVICE_NAME, MAX_ANNOUNCED_TOPICS } from './options.js'

export { DEFAULT_SERVICE_NAME, MAX_ANNOUNCED_TOPICS }

/** Value of the TXT `v=` field this code writes and reads. */
export const MDNS_RECORD_VERSION = '1'


/** DNS TTL of our records, in seconds (what @libp2p/mdns uses; receivers do not cache by it). */
export const RECORD_TTL_S = 120

/** TXT records examined per received packet; the rest are dropped (bounds work per packet). */
export const MAX_RECORDS_PER_PACKET = 16

/** TXT strings accepted in one record (ours has at most 1 + 1 + 8 + 8). */
export const MAX_TXT_STRINGS = 32

/** A node as another node announced it. */
export interface Announcement {
  readonly peer: NodeAddr
  readonly topics: readonly string[]
}

/** Our own node, checked and split into what the TXT record carries. */
export interface SelfRecord {
  readonly id: string
  /** Concrete addresses, canonical, announced as `a=`. */
  readonly addrs: readonly string[]
  /** Ports of unspecified-host addresses (0.0.0.0:p, [::]:p), announced as `p=`. */
  readonly ports: readonly number[]
}

/** One result of parsing a received packet. */
export type ParsedRecord = { readonly ok: true; readonly announcement: Announcement } | { readonly ok: false; readonly reason: string }

/**
 * Checks our own node address for announcing. Like `validateNodeAddr`, but an
 * address with the unspecified host (0.0.0.0:port or [::]:port) is allowed and
 * announced as `p=port`. Throws TicketError.
 */
export function prepareSelf(self: NodeAddr): SelfRecord {
  const id = validateNodeId(self?.id, 'mDNS self: node id')
  const input: unknown = self.addrs
  if (!Array.isArray(input) || input.length === 0) throw new TicketError('ERR_NO_ADDRESSES', 'mDNS self: has no address')
  if (input.length > MAX_ADDRS_PER_PEER) {
    throw new TicketError('ERR_TOO_MANY_ADDRESSES', `mDNS self: has ${input.length} addresses, at most ${MAX_ADDRS_PER_PEER} are allowed`)
  }
  const addrs: string[] = []
  const ports: number[] = []
  for (const addr of input as unknown[]) {
    const parsed = parseSocketAddress(addr, 'mDNS self: address')
    if (parsed.port !== 0 && parsed.ip.every((b) => b === 0)) {
      if (ports.includes(parsed.port)) throw new TicketError('ERR_DUPLICATE_ADDRESS', `mDNS self: port ${parsed.port} is listed twice`)
      ports.push(parsed.port)
      continue
    }
    const text = canonicalAddress(addr, 'mDNS self: address')
    if (addrs.includes(text)) throw new TicketError('ERR_DUPLICATE_ADDRESS', `mDNS self: address ${text} is listed twice`)
    addrs.push(text)
  }
  return { id, addrs, ports }
}

/** DNS instance name of a node: base32 of its id as one label, then the service name. */
export function instanceName(id: string, serviceName: string): string {
  return `${base32Encode(hexIdToBytes(id))}.${serviceName}`
}

/** The question we ask. */
export function buildQuery(serviceName: string): Question[] {
  return [{ name: serviceName, type: 'PTR', class: 'IN' }]
}

/** True when a received query asks for our service (PTR or ANY). */
export function asksForService(questions: readonly Question[] | undefined, serviceName: string): boolean {
  return (questions ?? []).some((q) => typeof q?.name === 'string' && q.name.toLowerCase() === serviceName && (q.type === 'PTR' || (q.type as string) === 'ANY'))
}

/**
 * The records announcing us. `topics` must be valid topic ids, at most
 * `MAX_ANNOUNCED_TOPICS` (the caller trims and logs).
 */
export function buildAnnouncement(self: SelfRecord, topics: readonly string[], serviceName: string): Answer[] {
  const instance = instanceName(self.id, serviceName)
  const txt = [
    `v=${MDNS_RECORD_VERSION}`,
    `id=${self.id}`,
    ...self.addrs.map((a) => `a=${a}`),
    ...self.ports.map((p) => `p=${p}`),
    ...topics.map((t) => `t=${t}`),
  ]
  return [
    { name: serviceName, type: 'PTR', class: 'IN', ttl: RECORD_TTL_S, data: instance },
    { name: instance, type: 'TXT', class: 'IN', ttl: RECORD_TTL_S, data: txt },
  ]
}

/**
 * Every announcement for `serviceName` in a received response, each either parsed or
 * rejected with a reason. `fromAddress` is the packet's source IP (for `p=`). Never throws.
 */
export function parseAnnouncements(
  records: readonly unknown[],
  fromAddress: string,
  serviceName: string,
): ParsedRecord[] {
  const suffix = `.${serviceName}`
  const results: ParsedRecord[] = []
  let examined = 0
  for (const record of records) {
    if (!isTxtFor(record, suffix)) continue
    if (examined === MAX_RECORDS_PER_PACKET) {
      results.push({ ok: false, reason: `more than ${MAX_RECORDS_PER_PACKET} records in one packet, rest ignored` })
      break
    }
    examined++
    results.push(parseTxt(record.data, fromAddress))
  }
  return results
}

function isTxtFor(record: unknown, suffix: string): record is TxtAnswer {
  if (typeof record !== 'object' || record === null) return false
  const { type, name } = record as { type?: unknown; name?: unknown }
  return type === 'TXT' && typeof name === 'string' && name.toLowerCase().endsWith(suffix)
}

function parseTxt(data: unknown, fromAddress: string): ParsedRecord {
  const fail = (reason: string): ParsedRecord => ({ ok: false, reason })
  const strings = Array.isArray(data) ? data : [data]
  if (strings.length > MAX_TXT_STRINGS) return fail(`TXT record has ${strings.length} strings, at most ${MAX_TXT_STRINGS} are accepted`)
  const fields = new Map<string, string[]>()
  for (const item of strings) {
    const text = typeof item === 'string' ? item : Buffer.isBuffer(item) ? item.toString('latin1') : undefined
    if (text === undefined) return fail('TXT string is not text')
    if (!/^[\x21-\x7e]*$/.test(text)) return fail('TXT string has non-printable characters')
    const eq = text.indexOf('=')
    if (eq <= 0) continue // RFC 6763: a string without '=' (or with an empty key) is ignored
    const key = text.slice(0, eq)
    const values = fields.get(key) ?? []
    values.push(text.slice(eq + 1))
    fields.set(key, values)
  }
  const version = fields.get('v')
  if (version?.length !== 1 || version[0] !== MDNS_RECORD_VERSION) {
    return fail(`unsupported record version ${JSON.stringify(version ?? null)}`)
  }
  const ids = fields.get('id') ?? []
  if (ids.length !== 1) return fail(`expected one id, got ${ids.length}`)
  const id = ids[0] as string
  const shownId = JSON.stringify(id.slice(0, 80))
  if (!isNodeId(id)) return fail(`bad node id ${shownId}`)
  const announced = fields.get('a') ?? []
  const ports = fields.get('p') ?? []
  if (announced.length + ports.length === 0) return fail('no address')
  if (announced.length + ports.length > MAX_ADDRS_PER_PEER) {
    return fail(`${announced.length + ports.length} addresses, at most ${MAX_ADDRS_PER_PEER} are accepted`)
  }
  const addrs: string[] = []
  for (const a of announced) {
    try {
      addrs.push(canonicalAddress(a))
    } catch (err) {
      return fail(err instanceof Error ? err.message : 'bad address')
    }
  }
  for (const p of ports) {
    if (!/^[1-9]\d{0,4}$/.test(p) || Number(p) > 65535) return fail(`bad port ${JSON.stringify(p.slice(0, 20))}`)
    if (isIP(fromAddress) === 0) return fail(`p= needs the sender's address, got ${JSON.stringify(fromAddress)}`)
    try {
      addrs.push(canonicalAddress(isIP(fromAddress) === 6 ? `[${fromAddress}]:${p}` : `${fromAddress}:${p}`))
    } catch {
      return fail(`cannot use sender address ${fromAddress}`)
    }
  }
  const topics = fields.get('t') ?? []
  if (topics.length > MAX_ANNOUNCED_TOPICS) return fail(`${topics.length} topics, at most ${MAX_ANNOUNCED_TOPICS} are accepted`)
  for (const topic of topics) {
    const shown = JSON.stringify(topic.slice(0, 80))
    if (!isTopicId(topic)) return fail(`bad topic id ${shown}`)
  }
  return { ok: true, announcement: { peer: { id, addrs: [...new Set(addrs)] }, topics: [...new Set(topics)] } }
}
