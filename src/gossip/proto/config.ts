/**
 * Protocol parameters with documented defaults and where each number comes from.
 *
 * "paper" = Leitão et al., HyParView (DSN 2007) and Epidemic Broadcast Trees
 * (SRDS 2007); "iroh" = iroh-gossip's defaults. Caps on network-fed structures are
 * hearsay's own choices (protocol.md pitfall 5) and each says what it bounds.
 */
import { ConfigError } from '../../errors.js'

/** HyParView membership parameters, per topic. */
export interface MembershipConfig {
  /** Active view capacity. @default 5 (paper: log10(10,000) + 1) */
  activeViewCapacity: number
  /** Passive view capacity. @default 30 (paper) */
  passiveViewCapacity: number
  /** Active random walk length for FORWARD_JOIN. @default 6 (paper) */
  activeRandomWalkLength: number
  /** Passive random walk length: at this ttl a FORWARD_JOIN also fills the passive view. @default 3 (paper) */
  passiveRandomWalkLength: number
  /** Active ids sent in a SHUFFLE (ka). @default 3 (paper) */
  shuffleActiveCount: number
  /** Passive ids sent in a SHUFFLE (kp). @default 4 (paper) */
  shufflePassiveCount: number
  /** SHUFFLE random walk length. @default 6 (iroh) */
  shuffleRandomWalkLength: number
  /** Period of the SHUFFLE. @default 60_000 (iroh) */
  shuffleIntervalMs: number
  /**
   * How long a NEIGHBOR request may stay unanswered before the next passive peer is tried
   * (it includes dialing the peer). @default 1_000 (hearsay; iroh 500: with 200 nodes
   * joining at once in one process, dials and Noise handshakes lagged the event loop past
   * 500 ms, requests timed out and were retried with new dials, and the overlay never
   * formed; with 1 s it formed in 5–13 s on a quiet machine. 2 s formed it too, but one
   * fault-mix fuzz seed in 1,000 then failed to converge. Peers that fail outright are
   * detected by the failed connection, not by this timeout)
   */
  neighborRequestTimeoutMs: number
  /**
   * Upper bound of the request timeout, which doubles each time a reply comes after
   * its request timed out (the peer is slow, not dead) and returns to
   * `neighborRequestTimeoutMs` after a reply in time. @default 8_000 (hearsay: in the
   * simulator's overload scenario S11 nodes lagged up to 12 s during a join storm)
   */
  maxNeighborRequestTimeoutMs: number
  /**
   * Period of the repair check: while the active view is below capacity, promote a
   * passive peer; when both views are empty, re-join through known peers.
   * @default 5_000 (Partisan promotes a passive peer every 5 s)
   */
  repairIntervalMs: number
  /**
   * After a neighbor's connection failed, while its slot stays free (every passive peer
   * asked refused: their views are full), ask them again after this long instead of
   * waiting for the repair tick, doubling while it stays below `repairIntervalMs` (0.25,
   * 0.5, 1, 2 and 4 s by default), each time with a SHUFFLE walk through every neighbor
   * whose reply is tried at once; 0 = wait for the repair tick. The neighbors of a
   * failed node notice it at slightly different times; the first is refused by those
   * that have not yet, and the walks find the others that have a free slot.
   * @default 250 (hearsay: replacement of a silent neighbor in the network lab took up
   * to 8.7 s with the 5 s repair tick alone)
   */
  refillRetryMs: number
  /** Bootstrap / known peers remembered for re-joining when all views drain. @default 16 (hearsay) */
  maxKnownPeers: number
  /**
   * Neighbors lost to a connection failure (not to DISCONNECT) are remembered and one is
   * asked back with a HIGH NEIGHBOR request per repair tick, for this long: when a
   * partition heals, the links it cut join the two sides again (Serf/memberlist likewise
   * keep failed members and retry one every 30 s). 0 turns it off.
   * @default 600_000 (hearsay: a partition of up to 10 minutes heals by itself; without
   * it, two halves apart for 60 s stayed two components, since every node is full again
   * by the heal and the paper's rules only ask passive peers while a view has room)
   */
  lostPeerRetentionMs: number
  /** Cap: lost neighbors remembered for re-linking; the oldest are forgotten first. @default 16 (hearsay) */
  maxLostPeers: number
  /**
   * Healthy peers pushed out of the full passive view are kept in a backlog of this size
   * and poured back when the passive view runs dry (a mass failure purged it), so a
   * survivor has more peers to try. 0 turns it off.
   * @default 30 (hearsay, = passive view; at 1,000 nodes and 95 % crashed it halves the
   * survivors nobody alive knows)
   */
  passiveBacklogCapacity: number
  /**
   * Active peers probed per repair tick (round robin) with an empty IHAVE, which a peer
   * that does not hold us as a neighbor answers with DISCONNECT. Without it an
   * asymmetric link (a lost or reordered DISCONNECT or reply) is only found once
   * broadcast traffic flows over it. 0 turns it off.
   * @default 1 (hearsay: one small message per node per 5 s; with 300 ms jitter and
   * restarts, 2 % of links stayed asymmetric in a quiet overlay without it)
   */
  linkChecksPerRepair: number
}

/** Plumtree broadcast parameters, per topic. */
export interface BroadcastConfig {
  /** Wait after the first IHAVE for an unknown id before sending GRAFT. @default 80 (iroh) */
  graftTimeout1Ms: number
  /**
   * Let the first graft wait follow the observed lag between IHAVE and the eager copy
   * (RFC 6298-style estimator), between graftTimeout1Ms and maxGraftTimeoutMs. Cuts
   * needless GRAFTs (and duplicate payloads) where link latencies vary.
   * @default true (hearsay: with 10–50 ms links and random senders, a fixed 80 ms
   * grafted ~285 times per broadcast at 1,000 nodes, RMR 0.50)
   */
  adaptiveGraftTimeout: boolean
  /**
   * Upper bound of the adaptive first graft wait. @default 300 (hearsay: with 1_000, a
   * 50-node swarm under concurrent broadcasts at 25/s learned ~1 s waits and delivered
   * at p50 1,472 ms; with 300, p50 470 ms; the simulator's S2/S3 checks hold either way)
   */
  maxGraftTimeoutMs: number
  /**
   * Links made by LOW-priority NEIGHBOR requests (view top-ups between nodes already in
   * the overlay) start lazy when the node has an eager peer; the paper puts every new
   * neighbor in the eager set. Keeps a settled tree free of new cycles.
   * @default true (hearsay)
   */
  lazyRepairLinks: boolean
  /** Wait before trying the next announcer after a GRAFT went unanswered. @default 40 (iroh) */
  graftTimeout2Ms: number
  /** IHAVE announcements for lazy peers are batched for this long. @default 5 (iroh) */
  ihaveDispatchMs: number
  /**
   * Tree optimisation: GRAFT the IHAVE sender when the GOSSIP took this many more hops.
   * @default 2 (iroh uses 7, others 2–3; in simulation at 1,000 nodes with random
   * senders 7 left a mean last-delivery hop of 18, 2 gives 14.5 at the same RMR)
   */
  optimizationThreshold: number
  /**
   * Latency optimisation of an origin's own tree: when the eager copy arrives this long
   * or longer after the first IHAVE for it, graft that announcer's link and prune the
   * sender's (no payload is resent). @default 60 (hearsay: in simulation at 1,000 nodes
   * with random senders, 60 gave RMR 0.047 and mean LDH 14.2–14.5 where off gave 0.051–
   * 0.057 and 14.4–15.0; 20 cut latency more but raised LDH above 15)
   */
  optimizationLagMs: number
  /**
   * How long received messages stay cached to answer GRAFTs and to be announced to
   * neighbors that come back (relinkAnnounceMs). @default 75_000 (hearsay: the age up to which a signed broadcast is still
   * accepted, so a partition of up to about a minute loses nothing once it heals; iroh
   * keeps 30 s, and with 30 s a 60 s partition left each side with the other's last
   * 10 s only)
   */
  messageCacheMs: number
  /**
   * Messages received this recently are announced (IHAVE, oldest first, at most
   * `maxLazyQueuePerPeer` ids, the newest) to a neighbor that just came up, so a
   * broadcast in flight while the overlay repairs also reaches the nodes the repair
   * reconnects; 0 turns it off; only cached messages are announced.
   * @default 10_000 (hearsay: two membership rounds; the paper announces only along the
   * path a message takes, and a sender left without live neighbors by a 70 % crash
   * reached 0.7 % of the survivors with its first broadcast, 100 % with this)
   */
  neighborUpAnnounceMs: number
  /**
   * The same for a neighbor lost to a failure that comes back (a healed partition, a
   * link that went silent): messages received this recently are announced to it, so
   * each side gets what the other sent while they were apart. 0 turns it off; only
   * cached messages are announced, so messageCacheMs bounds it.
   * @default 75_000 (hearsay: = messageCacheMs; in simulation a 60 s partition of 1,000
   * nodes left every message sent during it at 49 % of the nodes with the 10 s window,
   * 100 % with this; announcing 75 s to every new neighbor instead doubled the cost of
   * churn, where every joiner pulled the last 75 s)
   */
  relinkAnnounceMs: number
  /** How long received ids are remembered to drop duplicates; must be >= messageCacheMs. @default 90_000 (iroh) */
  seenIdRetentionMs: number
  /** Largest broadcast payload in bytes; larger broadcasts are refused at the call site. @default 4096 (iroh) */
  maxMessageBytes: number
  /** Cap: announcers remembered per missing id. @default 100 (iroh proposal) */
  maxAnnouncersPerId: number
  /** Cap: missing-id announcements in total, across ids. @default 10_000 (iroh proposal) */
  maxMissingTotal: number
  /** Cap: queued IHAVE entries per lazy peer between dispatches. @default 1_000 (iroh proposal) */
  maxLazyQueuePerPeer: number
  /** Cap: IHAVE entries in one message. @default 512 (hearsay; also the wire limit) */
  maxIHaveEntriesPerMessage: number
  /** Cap: remembered message ids; the oldest are forgotten first. @default 100_000 (hearsay) */
  maxSeenIds: number
  /** Cap: cached messages; the oldest are dropped first. @default 10_000 (hearsay, ~40 MiB at max size) */
  maxCachedMessages: number
  /**
   * Cap: origins (senders) whose messages travel a tree of their own; beyond it the
   * least recently active is forgotten and falls back to the shared tree. 0 keeps one
   * shared tree for every sender (the paper). Each tracked origin costs about 0.1 KB.
   * @default 64 (hearsay; riak_core_broadcast keeps one tree per root without a cap:
   * with one shared tree, 12 concurrent senders in a 12-node swarm waited for a GRAFT
   * on ~7 links per broadcast)
   */
  maxOriginTrees: number
  /** An origin silent for this long loses its own tree. @default 600_000 (hearsay, 10 min) */
  originTreeIdleMs: number
  /**
   * A change a new origin's first message makes to the shared tree (PRUNE, GRAFT, first
   * copy) is applied only if no other new origin's first message was seen within this
   * many ms before or after it; the origin's own tree changes at once either way. Two
   * first messages crossing a cycle would each cut a different link of it. 0 applies
   * the changes at once.
   * @default 500 (hearsay: in simulation with 50 nodes and mostly new senders at 200
   * broadcasts/s, pruning at once left 48 (sender, node) pairs without an eager parent
   * and a fan-out p50 of 447 ms against 176 ms for the same broadcasts 1 s apart)
   */
  sharedTreeQuietMs: number
}

/** The full, validated protocol configuration (see `resolveConfig`). */
export interface ProtocolConfig {
  /** HyParView membership parameters. */
  membership: MembershipConfig
  /** Plumtree broadcast parameters. */
  broadcast: BroadcastConfig
}

/** The membership defaults documented on `MembershipConfig` (frozen). */
export const DEFAULT_MEMBERSHIP_CONFIG: Readonly<MembershipConfig> = Object.freeze({
  activeViewCapacity: 5,
  passiveViewCapacity: 30,
  activeRandomWalkLength: 6,
  passiveRandomWalkLength: 3,
  shuffleActiveCount: 3,
  shufflePassiveCount: 4,
  shuffleRandomWalkLength: 6,
  shuffleIntervalMs: 60_000,
  neighborRequestTimeoutMs: 1_000,
  maxNeighborRequestTimeoutMs: 8_000,
  repairIntervalMs: 5_000,
  refillRetryMs: 250,
  maxKnownPeers: 16,
  lostPeerRetentionMs: 600_000,
  maxLostPeers: 16,
  passiveBacklogCapacity: 30,
  linkChecksPerRepair: 1,
})

/** The broadcast defaults documented on `BroadcastConfig` (frozen). */
export const DEFAULT_BROADCAST_CONFIG: Readonly<BroadcastConfig> = Object.freeze({
  graftTimeout1Ms: 80,
  adaptiveGraftTimeout: true,
  maxGraftTimeoutMs: 300,
  lazyRepairLinks: true,
  graftTimeout2Ms: 40,
  ihaveDispatchMs: 5,
  optimizationThreshold: 2,
  optimizationLagMs: 60,
  messageCacheMs: 75_000,
  neighborUpAnnounceMs: 10_000,
  relinkAnnounceMs: 75_000,
  seenIdRetentionMs: 90_000,
  maxMessageBytes: 4096,
  maxAnnouncersPerId: 100,
  maxMissingTotal: 10_000,
  maxLazyQueuePerPeer: 1_000,
  maxIHaveEntriesPerMessage: 512,
  maxSeenIds: 100_000,
  maxCachedMessages: 10_000,
  maxOriginTrees: 64,
  originTreeIdleMs: 600_000,
  sharedTreeQuietMs: 500,
})

/** Partial overrides, e.g. `{ membership: { activeViewCapacity: 6 } }`. */
export interface ProtocolConfigInput {
  /** Membership options to override; the rest keep `DEFAULT_MEMBERSHIP_CONFIG`. */
  membership?: Partial<MembershipConfig>
  /** Broadcast options to override; the rest keep `DEFAULT_BROADCAST_CONFIG`. */
  broadcast?: Partial<BroadcastConfig>
}

/** Merges overrides onto the defaults and validates the result; throws ConfigError. */
export function resolveConfig(input: ProtocolConfigInput = {}): ProtocolConfig {
  const config: ProtocolConfig = {
    membership: { ...DEFAULT_MEMBERSHIP_CONFIG, ...definedFields(input.membership) },
    broadcast: { ...DEFAULT_BROADCAST_CONFIG, ...definedFields(input.broadcast) },
  }
  validateConfig(config)
  return config
}

/** The fields of `input` that are not `undefined`: a field set to `undefined` takes its default, as one left out. */
function definedFields<T extends object>(input: Partial<T> | undefined): Partial<T> {
  if (input === undefined) return {}
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>
}

function requireInteger(section: string, key: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${section}.${key} must be an integer >= ${min}, got ${String(value)}: leave it out for the default`, `${section}.${key}`)
  }
}

const MEMBERSHIP_MINIMUMS: Record<keyof MembershipConfig, number> = {
  activeViewCapacity: 1,
  passiveViewCapacity: 1,
  activeRandomWalkLength: 0,
  passiveRandomWalkLength: 0,
  shuffleActiveCount: 0,
  shufflePassiveCount: 0,
  shuffleRandomWalkLength: 0,
  shuffleIntervalMs: 1,
  neighborRequestTimeoutMs: 1,
  maxNeighborRequestTimeoutMs: 1,
  repairIntervalMs: 1,
  refillRetryMs: 0,
  maxKnownPeers: 1,
  lostPeerRetentionMs: 0,
  maxLostPeers: 0,
  passiveBacklogCapacity: 0,
  linkChecksPerRepair: 0,
}

/** Smallest valid value per option; -1 marks a boolean option. */
const BROADCAST_MINIMUMS: Record<keyof BroadcastConfig, number> = {
  graftTimeout1Ms: 1,
  adaptiveGraftTimeout: -1,
  maxGraftTimeoutMs: 1,
  lazyRepairLinks: -1,
  graftTimeout2Ms: 1,
  ihaveDispatchMs: 0,
  optimizationThreshold: 1,
  optimizationLagMs: 1,
  messageCacheMs: 0,
  neighborUpAnnounceMs: 0,
  relinkAnnounceMs: 0,
  seenIdRetentionMs: 0,
  maxMessageBytes: 1,
  maxAnnouncersPerId: 1,
  maxMissingTotal: 1,
  maxLazyQueuePerPeer: 1,
  maxIHaveEntriesPerMessage: 1,
  maxSeenIds: 1,
  maxCachedMessages: 0,
  maxOriginTrees: 0,
  originTreeIdleMs: 1,
  sharedTreeQuietMs: 0,
}

/** Throws ConfigError naming the first invalid field. */
export function validateConfig(config: ProtocolConfig): void {
  for (const key of Object.keys(config.membership)) {
    if (!(key in MEMBERSHIP_MINIMUMS)) throw new ConfigError(`membership.${key} is not a known option: check its spelling`, `membership.${key}`)
  }
  for (const key of Object.keys(config.broadcast)) {
    if (!(key in BROADCAST_MINIMUMS)) throw new ConfigError(`broadcast.${key} is not a known option: check its spelling`, `broadcast.${key}`)
  }
  for (const [key, min] of Object.entries(MEMBERSHIP_MINIMUMS)) {
    requireInteger('membership', key, config.membership[key as keyof MembershipConfig], min)
  }
  for (const [key, min] of Object.entries(BROADCAST_MINIMUMS)) {
    const value = config.broadcast[key as keyof BroadcastConfig]
    if (min < 0) {
      if (typeof value !== 'boolean') throw new ConfigError(`broadcast.${key} must be a boolean, got ${String(value)}`, `broadcast.${key}`)
      continue
    }
    requireInteger('broadcast', key, value, min)
  }
  const m = config.membership
  if (m.maxNeighborRequestTimeoutMs < m.neighborRequestTimeoutMs) {
    throw new ConfigError(
      `membership.maxNeighborRequestTimeoutMs (${m.maxNeighborRequestTimeoutMs}) must not be below neighborRequestTimeoutMs (${m.neighborRequestTimeoutMs}): raise it or lower neighborRequestTimeoutMs`,
      'membership.maxNeighborRequestTimeoutMs',
    )
  }
  if (m.passiveRandomWalkLength > m.activeRandomWalkLength) {
    throw new ConfigError(
      `membership.passiveRandomWalkLength (${m.passiveRandomWalkLength}) must not exceed activeRandomWalkLength (${m.activeRandomWalkLength}): lower it or raise activeRandomWalkLength`,
      'membership.passiveRandomWalkLength',
    )
  }
  const b = config.broadcast
  if (b.maxGraftTimeoutMs < b.graftTimeout1Ms) {
    throw new ConfigError(
      `broadcast.maxGraftTimeoutMs (${b.maxGraftTimeoutMs}) must not be below graftTimeout1Ms (${b.graftTimeout1Ms}): raise it or lower graftTimeout1Ms`,
      'broadcast.maxGraftTimeoutMs',
    )
  }
  if (b.messageCacheMs > b.seenIdRetentionMs) {
    throw new ConfigError(
      `broadcast.messageCacheMs (${b.messageCacheMs}) must not exceed seenIdRetentionMs (${b.seenIdRetentionMs}), or duplicates reappear: lower it or raise seenIdRetentionMs`,
      'broadcast.messageCacheMs',
    )
  }
}
