/**
 * Addresses learned from the network are candidates, not orders.
 *
 * A peer's address data arrives inside JOIN, FORWARD_JOIN, NEIGHBOR and SHUFFLE messages
 * from any neighbor (the "informant"); nothing authenticates it. Left unchecked, one
 * neighbor naming made-up peers at a third host's address makes the node hammer that
 * host. This module holds the policy (documented in SECURITY.md):
 *
 * - Address policy ({@link learnedAddressProblem}): only IP literals (never host names,
 *   which would be resolved locally); never port 0, unspecified (0.0.0.0/8, ::),
 *   multicast, broadcast and reserved (224.0.0.0/3), link-local (169.254.0.0/16 including
 *   the cloud metadata address 169.254.169.254, fe80::/10), documentation ranges
 *   (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), IPv4-mapped IPv6
 *   (::ffff:0:0/96), the AWS IPv6 metadata address (fd00:ec2::254); loopback (127.0.0.0/8,
 *   ::1) only when this node itself listens on loopback (or a wildcard). Private ranges
 *   (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed: LANs are a main use.
 * - Dial budget ({@link DialGuard}) for peers whose addresses came from the network
 *   (bootstrap peers, tickets, mDNS and `addPeer` are the user's own and exempt): a
 *   global and a per-informant token bucket of new dials per second (a dial over the
 *   budget waits for its token, up to `maxDialWaitMs`, else it is refused), a cap on
 *   such dials in flight, a per-address exponential backoff after a failed dial, and at
 *   most `maxAttemptsPerPeer` failed dials per learned peer, after which its addresses
 *   are forgotten.
 * - Informant strikes: every peer an informant names whose addresses are all refused
 *   by the policy, and every failed dial to a peer it named, is a strike; an informant
 *   with `informantStrikeLimit` strikes within `strikeWindowMs` is disconnected, and for
 *   `strikeWindowMs` after that the peer data it sends is ignored (if it reconnects).
 *
 * Time is passed in (`nowMs`), so the guard is testable without timers.
 */
import { BlockList, isIP } from 'node:net'
import { parseAddress } from '../../transport/address.js'
import type { PeerId } from '../proto/types.js'

/** Dial budget and informant penalties for peers learned from the network (the `dialGuard` option of `createNode()`; see SECURITY.md). */
export interface DialGuardOptions {
  /** New dials per second to network-learned peers, all informants together. @default 10 */
  readonly dialsPerSecond: number
  /** Burst of the global budget. @default 20 */
  readonly dialBurst: number
  /** New dials per second to peers named by one informant. @default 2 */
  readonly informantDialsPerSecond: number
  /** Burst of one informant's budget. @default 6 */
  readonly informantDialBurst: number
  /** A dial that would wait longer than this for its budget is refused. @default 5_000 */
  readonly maxDialWaitMs: number
  /** Dials to network-learned peers in flight at once. @default 8 */
  readonly maxDialsInFlight: number
  /** Backoff of an address after its first failed dial; doubles per failure. @default 2_000 */
  readonly addressBackoffMs: number
  /** Longest address backoff. @default 300_000 */
  readonly maxAddressBackoffMs: number
  /** Failed dials to one learned peer before its addresses are forgotten. @default 3 */
  readonly maxAttemptsPerPeer: number
  /** Strikes (undialable peers named) within `strikeWindowMs` that disconnect an informant. @default 16 */
  readonly informantStrikeLimit: number
  /** @default 60_000 */
  readonly strikeWindowMs: number
}

export const DEFAULT_DIAL_GUARD_OPTIONS: Readonly<DialGuardOptions> = Object.freeze({
  dialsPerSecond: 10,
  dialBurst: 20,
  informantDialsPerSecond: 2,
  informantDialBurst: 6,
  maxDialWaitMs: 5_000,
  maxDialsInFlight: 8,
  addressBackoffMs: 2_000,
  maxAddressBackoffMs: 300_000,
  maxAttemptsPerPeer: 3,
  informantStrikeLimit: 16,
  strikeWindowMs: 60_000,
})

/** Cap on each of the guard's maps (addresses in backoff, peers, informants). */
export const MAX_DIAL_GUARD_ENTRIES = 4_096

// Separate lists per family: a BlockList matches IPv4 addresses against ::ffff:0:0/96 too.
const refused4 = new BlockList()
const refused6 = new BlockList()
const refused = { addSubnet: (net: string, prefix: number, family: 'ipv4' | 'ipv6') => (family === 'ipv4' ? refused4 : refused6).addSubnet(net, prefix, family), addAddress: (addr: string, family: 'ipv4' | 'ipv6') => (family === 'ipv4' ? refused4 : refused6).addAddress(addr, family) }
refused.addSubnet('0.0.0.0', 8, 'ipv4') // unspecified / "this network"
refused.addSubnet('169.254.0.0', 16, 'ipv4') // link-local, cloud metadata 169.254.169.254
refused.addSubnet('224.0.0.0', 4, 'ipv4') // multicast
refused.addSubnet('240.0.0.0', 4, 'ipv4') // reserved, 255.255.255.255 broadcast
refused.addSubnet('192.0.2.0', 24, 'ipv4') // documentation
refused.addSubnet('198.51.100.0', 24, 'ipv4')
refused.addSubnet('203.0.113.0', 24, 'ipv4')
refused.addAddress('::', 'ipv6')
refused.addSubnet('fe80::', 10, 'ipv6') // link-local
refused.addSubnet('ff00::', 8, 'ipv6') // multicast
refused.addSubnet('2001:db8::', 32, 'ipv6') // documentation
refused.addSubnet('::ffff:0:0', 96, 'ipv6') // IPv4-mapped: judged as IPv4 would be ambiguous
refused.addAddress('fd00:ec2::254', 'ipv6') // AWS IPv6 metadata

const loopback4 = new BlockList()
loopback4.addSubnet('127.0.0.0', 8, 'ipv4')
const loopback6 = new BlockList()
loopback6.addAddress('::1', 'ipv6')
const loopback = { check: (host: string, family: 'ipv4' | 'ipv6') => (family === 'ipv4' ? loopback4 : loopback6).check(host, family) }

/** True if a listen address includes the loopback interface (loopback or wildcard host). */
export function listensOnLoopback(listenAddrs: readonly string[]): boolean {
  return listenAddrs.some((addr) => {
    try {
      const { host } = parseAddress(addr)
      const family = isIP(host) === 6 ? 'ipv6' : 'ipv4'
      return host === '0.0.0.0' || host === '::' || loopback.check(host, family)
    } catch {
      return false
    }
  })
}

/** Why a network-learned 'host:port' may not be dialed, or undefined if it may. */
export function learnedAddressProblem(addr: string, allowLoopback: boolean): string | undefined {
  let host: string
  let port: number
  try {
    ;({ host, port } = parseAddress(addr))
  } catch {
    return 'malformed'
  }
  const version = isIP(host)
  if (version === 0) return 'host name'
  if (port === 0) return 'port 0'
  const family = version === 6 ? 'ipv6' : 'ipv4'
  if ((family === 'ipv4' ? refused4 : refused6).check(host, family)) return 'refused range'
  if (!allowLoopback && loopback.check(host, family)) return 'loopback'
  return undefined
}

interface Bucket {
  tokens: number
  lastMs: number
}

/** Takes one token, going into debt; returns how long the caller must wait for it. */
function take(bucket: Bucket, rate: number, burst: number, nowMs: number, maxWaitMs: number): number | undefined {
  bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.lastMs) * rate) / 1000)
  bucket.lastMs = nowMs
  const waitMs = bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) * 1000) / rate
  if (waitMs > maxWaitMs) return undefined
  bucket.tokens -= 1
  return waitMs
}

function capped<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > MAX_DIAL_GUARD_ENTRIES) map.delete(map.keys().next().value as K)
}

export type DialDecision =
  | { readonly kind: 'dial'; readonly addrs: readonly string[] }
  | { readonly kind: 'wait'; readonly waitMs: number }
  | { readonly kind: 'refuse'; readonly reason: string }

export interface DialGuardStats {
  /** Learned addresses refused by the address policy. */
  learnedAddrsRefused: number
  /** Dials to learned peers deferred by the dial budget. */
  dialsDeferred: number
  /** Dials to learned peers refused (budget, in-flight cap, every address backing off). */
  dialsRefused: number
  /** Learned peers forgotten after `maxAttemptsPerPeer` failed dials. */
  learnedPeersForgotten: number
}

export class DialGuard {
  readonly options: DialGuardOptions
  readonly stats: DialGuardStats = { learnedAddrsRefused: 0, dialsDeferred: 0, dialsRefused: 0, learnedPeersForgotten: 0 }
  private readonly global: Bucket
  private readonly informants = new Map<PeerId, Bucket>()
  /** addr -> failures and end of its backoff. */
  private readonly backoff = new Map<string, { failures: number; untilMs: number }>()
  /** learned peer -> failed dials. */
  private readonly failures = new Map<PeerId, number>()
  /** informant -> times of its recent strikes. */
  private readonly strikes = new Map<PeerId, number[]>()
  /** informant -> end of its ban (its peer data is ignored until then). */
  private readonly banned = new Map<PeerId, number>()
  private inFlight = 0

  constructor(options: Partial<DialGuardOptions> = {}, nowMs = 0) {
    this.options = { ...DEFAULT_DIAL_GUARD_OPTIONS, ...options }
    this.global = { tokens: this.options.dialBurst, lastMs: nowMs }
  }

  get dialsInFlight(): number {
    return this.inFlight
  }

  /** Keeps only the addresses the policy allows; counts the others. */
  filter(addrs: readonly string[], allowLoopback: boolean): string[] {
    const out: string[] = []
    for (const addr of addrs) {
      if (learnedAddressProblem(addr, allowLoopback) === undefined) out.push(addr)
      else this.stats.learnedAddrsRefused++
    }
    return out
  }

  /**
   * May a dial to a learned peer (named by `informant`) at `addrs` start now? A 'dial'
   * takes a budget token and an in-flight slot: pair it with `settled`.
   */
  decide(informant: PeerId | undefined, addrs: readonly string[], nowMs: number, waited: boolean): DialDecision {
    const usable = addrs.filter((a) => (this.backoff.get(a)?.untilMs ?? 0) <= nowMs)
    if (usable.length === 0) return this.refuse('every address is backing off after failures')
    if (this.inFlight >= this.options.maxDialsInFlight) return this.refuse(`${this.inFlight} learned dials in flight`)
    if (!waited) {
      const o = this.options
      let bucket = this.informants.get(informant ?? '')
      if (bucket === undefined) {
        bucket = { tokens: o.informantDialBurst, lastMs: nowMs }
        capped(this.informants, informant ?? '', bucket)
      }
      const waitInformant = take(bucket, o.informantDialsPerSecond, o.informantDialBurst, nowMs, o.maxDialWaitMs)
      if (waitInformant === undefined) return this.refuse('over the informant dial budget')
      const waitGlobal = take(this.global, o.dialsPerSecond, o.dialBurst, nowMs, o.maxDialWaitMs)
      if (waitGlobal === undefined) {
        bucket.tokens += 1
        return this.refuse('over the global dial budget')
      }
      const waitMs = Math.max(waitInformant, waitGlobal)
      if (waitMs > 0) {
        this.stats.dialsDeferred++
        return { kind: 'wait', waitMs }
      }
    }
    this.inFlight++
    return { kind: 'dial', addrs: usable }
  }

  /** A dial started by `decide` ended; returns true if the peer should be forgotten. */
  settled(peer: PeerId, addrs: readonly string[], ok: boolean, nowMs: number): boolean {
    this.inFlight = Math.max(0, this.inFlight - 1)
    if (ok) {
      this.failures.delete(peer)
      for (const addr of addrs) this.backoff.delete(addr)
      return false
    }
    const o = this.options
    for (const addr of addrs) {
      const failures = (this.backoff.get(addr)?.failures ?? 0) + 1
      const ms = Math.min(o.maxAddressBackoffMs, o.addressBackoffMs * 2 ** Math.min(20, failures - 1))
      capped(this.backoff, addr, { failures, untilMs: nowMs + ms })
    }
    const count = (this.failures.get(peer) ?? 0) + 1
    if (count >= o.maxAttemptsPerPeer) {
      this.failures.delete(peer)
      this.stats.learnedPeersForgotten++
      return true
    }
    capped(this.failures, peer, count)
    return false
  }

  /** Records a strike against `informant`; true once it reached the limit (disconnect it). */
  strike(informant: PeerId, nowMs: number): boolean {
    const o = this.options
    const recent = (this.strikes.get(informant) ?? []).filter((t) => t > nowMs - o.strikeWindowMs)
    recent.push(nowMs)
    if (recent.length >= o.informantStrikeLimit) {
      this.strikes.delete(informant)
      this.informants.delete(informant)
      capped(this.banned, informant, nowMs + o.strikeWindowMs)
      return true
    }
    capped(this.strikes, informant, recent)
    return false
  }

  /** True while `informant`'s peer data is ignored (it was disconnected for strikes). */
  isBanned(informant: PeerId, nowMs: number): boolean {
    const until = this.banned.get(informant)
    if (until === undefined) return false
    if (until > nowMs) return true
    this.banned.delete(informant)
    return false
  }

  private refuse(reason: string): DialDecision {
    this.stats.dialsRefused++
    return { kind: 'refuse', reason }
  }
}
