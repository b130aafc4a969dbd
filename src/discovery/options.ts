/**
 * The public shape of mDNS discovery: its options, its handle and its defaults. Kept
 * apart from the implementation (mdns.ts), whose socket types come from packages
 * without bundled type declarations, so the shipped `.d.ts` of the public entry points
 * reference hearsay's own types only.
 */
import type { Clock } from '../clock.js'
import type { NodeAddr } from '../ticket/node-addr.js'

/** Default DNS-SD service name: hearsay nodes only hear announcements with this name. */
export const DEFAULT_SERVICE_NAME = '_hearsay._udp.local'

/** Most topic ids in one announcement (keeps a packet under one Ethernet MTU). */
export const MAX_ANNOUNCED_TOPICS = 8

/**
 * Where and how often to announce on the local network: the `mdns` option of
 * `createNode()`, and the tunable part of {@link MdnsDiscoveryOptions}.
 */
export interface MdnsOptions {
  /**
   * IPv4 address of the one interface to join the multicast group and send on
   * (pinning, e.g. `'127.0.0.1'` or the address of one LAN interface).
   * @default every IPv4 interface
   */
  readonly interface?: string
  /**
   * Address the UDP socket binds (binding a unicast address would miss multicast
   * packets on Linux).
   * @default '0.0.0.0'
   */
  readonly bind?: string
  /**
   * UDP port, shared with other mDNS responders on the host (SO_REUSEADDR).
   * @default 5353
   */
  readonly port?: number
  /**
   * DNS-SD service name: `_<name>._udp.local` or `_<name>._tcp.local`, the name 1-15
   * lower-case letters, digits or '-'. Nodes with another service name are not seen.
   * @default '_hearsay._udp.local'
   */
  readonly serviceName?: string
  /**
   * Time between our queries, in ms (100 - 3,600,000).
   * @default 10_000
   */
  readonly intervalMs?: number
  /**
   * An unchanged announcement is reported again after this long, in ms (so a lost peer
   * can be dialed again).
   * @default 60_000
   */
  readonly repeatAfterMs?: number
  /**
   * Most discovered peers remembered for deduplication (least recently heard forgotten first).
   * @default 256
   */
  readonly maxPeers?: number
}

/**
 * The logging functions discovery calls: `@libp2p/logger`'s loggers (and `debug`-style
 * loggers with `error` and `trace` members) fit.
 */
export interface DiscoveryLogger {
  /** Logs a debug line (printf-style `%s` / `%d` placeholders). */
  (formatter: string, ...args: unknown[]): void
  /** Logs an error line. */
  error(formatter: string, ...args: unknown[]): void
  /** Logs a trace line (per dropped packet). */
  trace(formatter: string, ...args: unknown[]): void
}

/** Options of {@link startMdnsDiscovery}: who we are, what we are in, whom to tell. */
export interface MdnsDiscoveryOptions extends MdnsOptions {
  /** Our node: id and addresses to announce. `0.0.0.0:port` / `[::]:port` mean "the address my packets come from". */
  readonly self: NodeAddr
  /** Topic ids we are in, asked at every announcement; the first `MAX_ANNOUNCED_TOPICS` (8) are announced. */
  readonly topics: () => readonly string[]
  /**
   * Called for every newly discovered or changed peer, with the topics it announced.
   * A peer is reported once, then again when its addresses or topics change, or after
   * `repeatAfterMs`. Announcements are not authenticated: dial the id with it pinned.
   */
  readonly onPeer: (peer: NodeAddr, topics: string[]) => void
  /** @default logger('hearsay:mdns') */
  readonly logger?: DiscoveryLogger
  /** Time for the query interval, announcement gaps and the peer cache. @default systemClock */
  readonly clock?: Clock
  /** Called for each dropped packet or record (for metrics and tests); `from` is the sender when known. */
  readonly onDropped?: (reason: string, from: string | undefined) => void
}

/** A running mDNS discovery. */
export interface MdnsDiscovery {
  /** Announces again soon (at most once per second), e.g. after joining or leaving a topic. */
  refresh(): void
  /** Stops timers and closes the socket. Idempotent. */
  close(): Promise<void>
}

/** Defaults of {@link MdnsOptions}, exported for documentation and tests. */
export const MDNS_DEFAULTS = {
  /** See {@link MdnsOptions.serviceName}. */
  serviceName: DEFAULT_SERVICE_NAME,
  /** See {@link MdnsOptions.intervalMs}. */
  intervalMs: 10_000,
  /** See {@link MdnsOptions.port}. */
  port: 5353,
  /** See {@link MdnsOptions.repeatAfterMs}. */
  repeatAfterMs: 60_000,
  /** See {@link MdnsOptions.maxPeers}. */
  maxPeers: 256,
  /** RFC 6762 §6: the same record is multicast at most once per second. */
  minAnnounceGapMs: 1_000,
} as const
