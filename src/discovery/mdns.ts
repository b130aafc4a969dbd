/**
 * LAN discovery over multicast DNS (RFC 6762), with `multicast-dns` 7 underneath.
 * Each node announces its id, its addresses and the topics it is in (records:
 * mdns-records.ts) and reports every other node it hears through `onPeer`.
 *
 * Behaviour:
 * - on start: one announcement and one query; then a query every `intervalMs`.
 * - a query for our service is answered by a multicast announcement, at most one per
 *   second (RFC 6762 §6: a record is not multicast again within one second; a query
 *   inside that second is answered when it ends). Our own periodic query reaches us
 *   too, so it doubles as our periodic announcement.
 * - `refresh()` announces again (after the topics changed), within the same limit.
 * - received announcements are validated; malformed packets and records are dropped
 *   and logged (`hearsay:mdns`), never thrown; our own announcements are ignored.
 * - a peer is reported once, then again when its addresses or topics change, or after
 *   `repeatAfterMs` (so a driver can re-dial a peer it lost). At most `maxPeers` peers
 *   are remembered (least recently heard forgotten first).
 *
 * **No authentication happens here.** Anyone on the LAN can announce any id at any
 * address. The driver must dial the announced id with that id pinned in the Noise
 * handshake: a forged announcement then costs one failed dial, never a wrong peer.
 *
 * Pinning: `interface` is the IPv4 address of the one interface to join the group
 * and send on (tests pass the address of a veth inside a network namespace they
 * created). Without it, multicast-dns joins on every IPv4 interface. The socket binds
 * `bind` (default 0.0.0.0: binding a unicast address would miss multicast packets on
 * Linux) at `port` (default 5353, shared with other mDNS responders via SO_REUSEADDR).
 */
import type { RemoteInfo } from 'node:dgram'
import { isIP } from 'node:net'
import type { Answer, Question } from 'dns-packet'
import { logger as createLogger } from '@libp2p/logger'
import makeMdns from 'multicast-dns'
import { repeatTimer, systemClock, unrefTimer, type Clock } from '../clock.js'
import { ConfigError } from '../errors.js'
import type { NodeAddr } from '../ticket/node-addr.js'
import { isTopicId } from '../ticket/topic.js'
import { DiscoveryError } from './errors.js'
import {
  DEFAULT_SERVICE_NAME,
  MAX_ANNOUNCED_TOPICS,
  asksForService,
  buildAnnouncement,
  buildQuery,
  parseAnnouncements,
  prepareSelf,
} from './mdns-records.js'
import type { SelfRecord } from './mdns-records.js'
import { MDNS_DEFAULTS, type DiscoveryLogger, type MdnsDiscovery, type MdnsDiscoveryOptions } from './options.js'
import { PeerCache } from './peer-cache.js'

export { MDNS_DEFAULTS, type MdnsDiscovery, type MdnsDiscoveryOptions }

/** The part of a multicast-dns instance this module uses (a test can pass a fake). */
export interface MdnsSocket {
  on(event: 'ready', listener: () => void): unknown
  on(event: 'query' | 'response', listener: (packet: { questions?: Question[]; answers?: Answer[]; additionals?: Answer[] }, rinfo: RemoteInfo) => void): unknown
  on(event: 'error' | 'warning', listener: (err: Error) => void): unknown
  query(packet: { questions: Question[] }, callback?: (err: Error | null) => void): void
  respond(packet: { answers: Answer[] }, callback?: (err: Error | null) => void): void
  destroy(callback?: () => void): void
}

/** Test seam: how the socket is made. Not part of the public API (the public entry is discovery/index.ts). */
export interface MdnsInternals {
  readonly createSocket?: (options: makeMdns.Options) => MdnsSocket
}

const SERVICE_NAME = /^_[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?\._(?:udp|tcp)\.local$/

/**
 * Starts announcing and listening. Resolves once the socket is bound (and, when
 * pinned, has joined the multicast group on that interface). Throws ConfigError for
 * bad options, TicketError for a bad `self`, DiscoveryError `ERR_MDNS_START` when the
 * socket cannot start.
 */
export async function startMdnsDiscovery(options: MdnsDiscoveryOptions, internals: MdnsInternals = {}): Promise<MdnsDiscovery> {
  const config = checkOptions(options)
  const self = prepareSelf(options.self)
  const log = options.logger ?? createLogger('hearsay:mdns')
  const socket = (internals.createSocket ?? ((o) => makeMdns(o) as MdnsSocket))({
    port: config.port,
    interface: options.interface,
    bind: config.bind,
    ip: '224.0.0.251',
    type: 'udp4',
    multicast: true,
    loopback: true,
    reuseAddr: true,
  })
  const state = new MdnsState(self, options, config, log, socket)
  await state.ready()
  return { refresh: () => state.announceSoon(), close: () => state.close() }
}

interface Config {
  readonly serviceName: string
  readonly intervalMs: number
  readonly port: number
  readonly bind: string
  readonly repeatAfterMs: number
  readonly maxPeers: number
}

function checkOptions(options: MdnsDiscoveryOptions): Config {
  if (typeof options !== 'object' || options === null) throw new ConfigError('mDNS options must be an object')
  if (typeof options.topics !== 'function') throw new ConfigError('mDNS option topics must be a function returning topic ids')
  if (typeof options.onPeer !== 'function') throw new ConfigError('mDNS option onPeer must be a function')
  const serviceName = options.serviceName ?? MDNS_DEFAULTS.serviceName
  if (!SERVICE_NAME.test(serviceName)) {
    throw new ConfigError(`mDNS option serviceName ${JSON.stringify(serviceName)} must look like '_name._udp.local' (name: 1-15 of a-z, 0-9, '-')`)
  }
  const int = (name: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    const v = value ?? fallback
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`mDNS option ${name} must be an integer in ${min}..${max}, got ${v}`)
    return v
  }
  if (options.interface !== undefined && isIP(options.interface) !== 4) {
    throw new ConfigError(`mDNS option interface must be the IPv4 address of an interface, got ${JSON.stringify(options.interface)}`)
  }
  const bind = options.bind ?? '0.0.0.0'
  if (isIP(bind) !== 4) throw new ConfigError(`mDNS option bind must be an IPv4 address, got ${JSON.stringify(bind)}`)
  return {
    serviceName,
    intervalMs: int('intervalMs', options.intervalMs, MDNS_DEFAULTS.intervalMs, 100, 3_600_000),
    port: int('port', options.port, MDNS_DEFAULTS.port, 1, 65535),
    bind,
    repeatAfterMs: int('repeatAfterMs', options.repeatAfterMs, MDNS_DEFAULTS.repeatAfterMs, 0, 86_400_000),
    maxPeers: int('maxPeers', options.maxPeers, MDNS_DEFAULTS.maxPeers, 1, 100_000),
  }
}

/** One running discovery: socket events in, announcements and `onPeer` calls out. */
class MdnsState {
  private readonly peers: PeerCache
  private closed = false
  private closing: Promise<void> | undefined
  private stopQueries: (() => void) | undefined
  private announceTimer: unknown
  private readonly clock: Clock
  private lastAnnounceAtMs = -Infinity
  private warnedTopics = false
  private readonly startWarnings: Error[] = []
  private started = false

  constructor(
    private readonly self: SelfRecord,
    private readonly options: MdnsDiscoveryOptions,
    private readonly config: Config,
    private readonly log: DiscoveryLogger,
    private readonly socket: MdnsSocket,
  ) {
    this.clock = options.clock ?? systemClock
    this.peers = new PeerCache(config.maxPeers, config.repeatAfterMs)
    socket.on('warning', (err) => this.onWarning(err))
    socket.on('query', (packet, rinfo) => this.guard(() => this.onQuery(packet, rinfo)))
    socket.on('response', (packet, rinfo) => this.guard(() => this.onResponse(packet, rinfo)))
  }

  /** Waits for the socket, checks the pinned interface joined, then starts announcing. */
  async ready(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.on('ready', resolve)
      this.socket.on('error', (err) => {
        if (this.started) this.log.error('mDNS socket error: %s', err.message)
        else reject(err)
      })
    }).catch(async (err: unknown) => {
      await this.close()
      throw new DiscoveryError('ERR_MDNS_START', `cannot start mDNS on ${this.config.bind}:${this.config.port}: ${(err as Error).message}`, { cause: err })
    })
    if (this.options.interface !== undefined && this.startWarnings.length > 0) {
      await this.close()
      const first = this.startWarnings[0] as Error
      throw new DiscoveryError('ERR_MDNS_START', `cannot use interface ${this.options.interface} for mDNS: ${first.message}`, { cause: first })
    }
    this.started = true
    this.log('started on %s:%d%s as %s', this.config.bind, this.config.port, this.options.interface === undefined ? '' : ` (interface ${this.options.interface})`, this.self.id)
    this.announce()
    this.query()
    this.stopQueries = repeatTimer(this.clock, () => this.query(), this.config.intervalMs, true)
  }

  /** Announces now, or when the one-second gap since the last announcement ends. */
  announceSoon(): void {
    if (this.closed || !this.started || this.announceTimer !== undefined) return
    const waitMs = this.lastAnnounceAtMs + MDNS_DEFAULTS.minAnnounceGapMs - this.clock.now()
    if (waitMs <= 0) {
      this.announce()
      return
    }
    this.announceTimer = this.clock.setTimer(() => {
      this.announceTimer = undefined
      this.announce()
    }, waitMs)
    unrefTimer(this.announceTimer)
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
    this.closed = true
    this.stopQueries?.()
    if (this.announceTimer !== undefined) this.clock.clearTimer(this.announceTimer)
    this.closing = new Promise<void>((resolve) => {
      try {
        this.socket.destroy(() => resolve())
      } catch (err) {
        this.log.error('closing the mDNS socket failed: %s', (err as Error).message)
        resolve()
      }
    })
    return this.closing
  }

  private announce(): void {
    if (this.closed) return
    this.lastAnnounceAtMs = this.clock.now()
    const answers = buildAnnouncement(this.self, this.currentTopics(), this.config.serviceName)
    this.socket.respond({ answers }, (err) => {
      if (err) this.log.error('sending an mDNS announcement failed: %s', err.message)
    })
  }

  private query(): void {
    if (this.closed) return
    this.socket.query({ questions: buildQuery(this.config.serviceName) }, (err) => {
      if (err) this.log.error('sending an mDNS query failed: %s', err.message)
    })
  }

  /** Valid topic ids from `topics()`, at most MAX_ANNOUNCED_TOPICS; problems are logged. */
  private currentTopics(): string[] {
    let topics: readonly unknown[]
    try {
      topics = this.options.topics()
    } catch (err) {
      this.log.error('topics() threw, announcing no topics: %s', (err as Error)?.message)
      return []
    }
    const valid: string[] = []
    for (const topic of Array.isArray(topics) ? topics : []) {
      if (!isTopicId(topic)) this.log.error('topics() returned an invalid topic id %s, not announced', String(topic).slice(0, 80))
      else if (!valid.includes(topic)) valid.push(topic)
    }
    if (valid.length > MAX_ANNOUNCED_TOPICS) {
      if (!this.warnedTopics) this.log('in %d topics, announcing the first %d', valid.length, MAX_ANNOUNCED_TOPICS)
      this.warnedTopics = true
      return valid.slice(0, MAX_ANNOUNCED_TOPICS)
    }
    return valid
  }

  private onQuery(packet: { questions?: Question[] }, _rinfo: RemoteInfo): void {
    if (asksForService(packet.questions, this.config.serviceName)) this.announceSoon()
  }

  private onResponse(packet: { answers?: Answer[]; additionals?: Answer[] }, rinfo: RemoteInfo): void {
    if (this.closed) return
    const records = [...(Array.isArray(packet.answers) ? packet.answers : []), ...(Array.isArray(packet.additionals) ? packet.additionals : [])]
    const from = `${rinfo.address}:${rinfo.port}`
    for (const result of parseAnnouncements(records, rinfo.address, this.config.serviceName)) {
      if (!result.ok) {
        this.dropped(`malformed announcement: ${result.reason}`, from)
        continue
      }
      const { peer, topics } = result.announcement
      if (peer.id === this.self.id) continue
      if (!this.peers.observe(result.announcement, this.clock.now())) continue
      this.log('discovered %s at %s, topics %s (from %s)', peer.id, peer.addrs.join(' '), topics.join(' ') || '-', from)
      try {
        this.options.onPeer({ id: peer.id, addrs: [...peer.addrs] }, [...topics])
      } catch (err) {
        this.log.error('onPeer threw: %s', (err as Error)?.message)
      }
    }
  }

  private onWarning(err: Error): void {
    if (!this.started) {
      // Before 'ready' these come from joining the group / choosing the interface.
      this.startWarnings.push(err)
      this.log('mDNS start warning: %s', err?.message)
      return
    }
    // Afterwards multicast-dns reports undecodable packets as warnings (without the sender).
    this.dropped(`undecodable packet or socket warning: ${err?.message}`, undefined)
  }

  private dropped(reason: string, from: string | undefined): void {
    this.log.trace('dropped %s%s', reason, from === undefined ? '' : ` from ${from}`)
    try {
      this.options.onDropped?.(reason, from)
    } catch (err) {
      this.log.error('onDropped threw: %s', (err as Error)?.message)
    }
  }

  /** A socket event handler must never throw: that would crash the process. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error('mDNS packet handling failed: %s', (err as Error)?.message)
    }
  }
}
