/**
 * Plumtree broadcast (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees", SRDS 2007,
 * with the 2019 revision of Algorithm 1), one instance per topic.
 *
 * Eager push along a spanning tree, lazy push (batched IHAVE) on the other links,
 * GRAFT with timer1/timer2 announcer rotation to repair the tree, PRUNE on duplicates,
 * and the round-based tree optimisation.
 *
 * One tree per active sender (root), as riak_core_broadcast keeps eager/lazy sets per
 * root: a single shared tree breaks under concurrent senders, because two messages
 * crossing a cycle each PRUNE a different link of it and nodes lose their eager parent.
 * See `OriginTrees` for how the trees are kept cheap and bounded.
 *
 * Deliberate deviations:
 * - The origin does not deliver its own broadcast to itself (the application already
 *   has it); it is marked seen so echoes are dropped.
 * - `neighbors`-scoped broadcasts go to every active neighbor once and are never
 *   forwarded; they do not change the tree.
 * - Messages from peers outside the active view are delivered if new but never make
 *   that peer part of the tree (the topic answers them with DISCONNECT).
 * - Every network-fed structure is capped (see BroadcastConfig): announcers per id,
 *   missing announcements in total, lazy queue per peer, seen ids and cached messages.
 */
import type { BroadcastConfig } from './config.js'
import type { BroadcastTimer, TopicEvent } from './io.js'
import type {
  BroadcastMessage,
  GossipMessage,
  GraftMessage,
  IHaveEntry,
  IHaveMessage,
} from './messages.js'
import { OriginTrees, type OriginTree } from './origin-trees.js'
import type { BroadcastScope, MessageId, PeerId } from './types.js'

/** The side effects Plumtree asks of its topic. */
export interface BroadcastIo {
  send(to: PeerId, message: BroadcastMessage): void
  schedule(delayMs: number, timer: BroadcastTimer): void
  emit(event: TopicEvent): void
}

interface Announcer {
  readonly peer: PeerId
  readonly round: number
}

interface MissingEntry {
  announcers: Announcer[]
  timerRunning: boolean
  /** When the first IHAVE for this id arrived. */
  firstAnnouncedMs: number
  /** Announcers a GRAFT was sent to for this id (their answers are no eager copies). */
  grafted: PeerId[]
  /** The control sequence number each GRAFT in `grafted` was sent at. */
  graftSeqs: number[]
  /** Smallest IHAVE round seen for this id, for the tree optimisation. */
  bestRound: number
  bestPeer: PeerId
  /** The first announcer, for the latency optimisation. */
  readonly firstPeer: PeerId
  readonly firstRound: number
}

/** A grafted id, timed until its eager copy arrives. */
interface GraftedTiming {
  readonly announcedAtMs: number
  readonly grafted: readonly PeerId[]
}

interface CachedMessage {
  readonly message: GossipMessage
  readonly expiresAtMs: number
}

/** Counters for metrics and cap assertions. */
export interface BroadcastStats {
  delivered: number
  duplicates: number
  gossipSent: number
  ihaveEntriesSent: number
  graftsSent: number
  /** Messages whose first copy was the answer to one of our GRAFTs (the tree missed them). */
  graftDeliveries: number
  prunesSent: number
  droppedAnnouncements: number
  droppedLazyEntries: number
}

/** Sizes of one topic's capped broadcast state; each has a documented cap. */
export interface BroadcastSizes {
  /** Remembered message ids. */
  seen: number
  /** Cached messages (served to GRAFTs). */
  cache: number
  /** Ids announced by IHAVE but not received yet. */
  missingIds: number
  /** Announcers held for missing ids, in all. */
  missingTotal: number
  /** Longest IHAVE queue of one lazy peer. */
  lazyQueued: number
  /** Most announcers held for one missing id. */
  maxAnnouncers: number
  /** Grafted ids still timed for the adaptive graft wait. */
  graftTimings: number
  /** Senders (origins) whose messages travel a tree of their own (cap: `maxOriginTrees`). */
  originTrees: number
  /** Messages delivered, whole life. */
  delivered: number
  /** Messages whose first copy answered one of our GRAFTs (not the tree's push), whole life. */
  graftDeliveries: number
  /** GRAFTs sent, whole life. */
  graftsSent: number
}

/** Granularity of the expiry sweep over seen ids and cached messages. */
const EXPIRY_SWEEP_MS = 1_000

export class Plumtree {
  /** The shared tree and one tree per recent origin. Capacity: `maxOriginTrees` origins. */
  readonly trees: OriginTrees

  /** Received ids -> expiry. Capacity: `maxSeenIds` (oldest forgotten first). */
  private readonly seen = new Map<MessageId, number>()
  /** Messages kept to answer GRAFTs. Capacity: `maxCachedMessages` (oldest dropped first). */
  private readonly cache = new Map<MessageId, CachedMessage>()
  /** Announced but not received ids. Capacity: `maxAnnouncersPerId` each, `maxMissingTotal` in all. */
  private readonly missing = new Map<MessageId, MissingEntry>()
  private missingTotal = 0
  /**
   * IHAVE entries waiting for the next dispatch, id -> round, per peer. An id leaves a
   * peer's queue early when that peer shows it has the message (it sent the message or
   * announced it to us). Capacity: `maxLazyQueuePerPeer` per peer.
   */
  private readonly lazyQueues = new Map<PeerId, Map<MessageId, number>>()
  private dispatchScheduled = false
  /** Numbers the PRUNEs and repair GRAFTs this node sends, to tell which came last. */
  private controlSeq = 0
  private nextSweepMs = 0
  /**
   * Ids we grafted -> when their first IHAVE arrived, to time the late eager copy.
   * Capacity: `maxAnnouncersPerId` x 10 (oldest dropped first).
   */
  private readonly graftedAnnouncedAt = new Map<MessageId, GraftedTiming>()
  /** Smoothed lag between the first IHAVE and the eager copy, and its variation (ms). */
  private lagSmoothedMs = -1
  private lagVariationMs = 0

  readonly stats: BroadcastStats = {
    delivered: 0,
    duplicates: 0,
    gossipSent: 0,
    ihaveEntriesSent: 0,
    graftsSent: 0,
    graftDeliveries: 0,
    prunesSent: 0,
    droppedAnnouncements: 0,
    droppedLazyEntries: 0,
  }

  constructor(
    private readonly me: PeerId,
    private readonly config: BroadcastConfig,
    private readonly io: BroadcastIo,
  ) {
    this.trees = new OriginTrees(config.maxOriginTrees, config.originTreeIdleMs, config.sharedTreeQuietMs)
  }

  /** Shared tree: neighbors pushed to eagerly by default. Subset of the active view. */
  get eager(): ReadonlySet<PeerId> {
    return this.trees.eager
  }

  /** Shared tree: neighbors only announced to by default. Active view minus `eager`. */
  get lazy(): ReadonlySet<PeerId> {
    return this.trees.lazy
  }

  // ---------------------------------------------------------------- neighbors

  /**
   * A new neighbor joins the eager set (paper), except a `repair` link (made by a LOW
   * NEIGHBOR request between two nodes already in the overlay) while we have an eager
   * peer: it starts lazy, so topping up views does not add a cycle to a settled tree
   * (each costs a duplicate payload). A lazy link that turns out to be needed is grafted
   * by the normal IHAVE/GRAFT path.
   */
  neighborUp(peer: PeerId, repair: boolean, relinked: boolean, nowMs: number): void {
    this.trees.neighborUp(peer, !repair || this.trees.eager.size === 0 || !this.config.lazyRepairLinks)
    this.announceRecent(peer, relinked ? this.config.relinkAnnounceMs : this.config.neighborUpAnnounceMs, nowMs)
  }

  /**
   * Announces (IHAVE) the messages received in the last `windowMs` to a neighbor that
   * just came up, oldest first, at most `maxLazyQueuePerPeer` (the newest ones): a
   * broadcast in flight while the overlay repairs (a mass crash, a node that re-joined)
   * thereby also reaches the nodes the repair reconnects (`neighborUpAnnounceMs`), and
   * when a neighbor lost to a failure comes back, as after a partition heals, each side
   * learns what the other sent while they were apart (`relinkAnnounceMs`, within the
   * cache). A peer that already has them ignores the ids; the others GRAFT what they
   * lack and pass it on through their own trees.
   */
  private announceRecent(peer: PeerId, windowMs: number, nowMs: number): void {
    if (windowMs === 0 || this.cache.size === 0) return
    const sinceMs = nowMs - windowMs + this.config.messageCacheMs
    const recent: IHaveEntry[] = []
    for (const { message, expiresAtMs } of this.cache.values()) {
      if (expiresAtMs < sinceMs) continue
      recent.push({ id: message.id, round: message.round })
    }
    for (const entry of recent.slice(-this.config.maxLazyQueuePerPeer)) this.queueIHave(peer, entry)
  }

  neighborDown(peer: PeerId): void {
    this.trees.neighborDown(peer)
    this.lazyQueues.delete(peer)
    for (const [id, entry] of this.missing) {
      const before = entry.announcers.length
      entry.announcers = entry.announcers.filter((a) => a.peer !== peer)
      this.missingTotal -= before - entry.announcers.length
      if (entry.announcers.length === 0 && !entry.timerRunning) this.missing.delete(id)
    }
  }

  // ---------------------------------------------------------------- broadcast

  /** Sends a new message from this node. The caller checked the size. */
  broadcast(id: MessageId, content: Uint8Array, scope: BroadcastScope, nowMs: number): void {
    this.expire(nowMs)
    const message: GossipMessage = { type: 'gossip', id, origin: this.me, content, round: 0, scope }
    this.markSeen(id, nowMs)
    if (scope === 'neighbors') {
      for (const peer of this.trees.eager) this.sendGossip(peer, message)
      for (const peer of this.trees.lazy) this.sendGossip(peer, message)
      return
    }
    this.cacheMessage(message, nowMs)
    const tree = this.trees.use(this.me, nowMs)
    this.trees.counted(tree, id, nowMs)
    for (const peer of this.trees.eagerOf(tree)) this.sendGossip(peer, message)
    for (const peer of this.trees.lazyOf(tree)) this.queueIHave(peer, { id, round: 0 })
  }

  // ---------------------------------------------------------------- messages

  /** `isNeighbor` says whether `from` is in the active view. */
  handleMessage(from: PeerId, message: BroadcastMessage, isNeighbor: boolean, nowMs: number): void {
    this.expire(nowMs)
    switch (message.type) {
      case 'gossip':
        return this.onGossip(from, message, isNeighbor, nowMs)
      case 'ihave':
        if (isNeighbor) this.onIHave(from, message, nowMs)
        return
      case 'graft':
        return this.onGraft(from, message, isNeighbor, nowMs)
      case 'prune':
        if (isNeighbor) this.onPrune(from, message.origin, nowMs)
        return
    }
  }

  handleTimer(timer: BroadcastTimer, nowMs: number): void {
    this.expire(nowMs)
    switch (timer.kind) {
      case 'graft':
        return this.onGraftTimer(timer.id)
      case 'ihaveDispatch':
        return this.dispatchIHaves()
    }
  }

  private onGossip(from: PeerId, message: GossipMessage, isNeighbor: boolean, nowMs: number): void {
    if (message.content.length > this.config.maxMessageBytes) return
    const hops = message.round + 1
    if (this.seen.has(message.id)) {
      this.stats.duplicates++
      this.unqueueIHave(from, message.id)
      // The first copy that is not the answer to one of our GRAFTs is the eager one.
      const timing = this.graftedAnnouncedAt.get(message.id)
      if (timing !== undefined && !timing.grafted.includes(from)) {
        this.graftedAnnouncedAt.delete(message.id)
        this.sampleEagerLag(nowMs - timing.announcedAtMs)
      }
      // Also when `from` is lazy here: it still pushes to us eagerly, so tell it.
      if (isNeighbor && message.scope === 'swarm') {
        // In an origin's own (directed) tree a duplicate says only that `from` need not push
        // to us; we may still be its parent, so our link to it stays as it is.
        // The parent's copy came second: the first was a push we had already stopped, still
        // in flight. Pruning the parent too would leave no one pushing to us.
        const dupTree = this.trees.use(message.origin, nowMs)
        if (this.trees.directed(dupTree) && dupTree?.parent === from) return
        if (!this.trees.directed(dupTree)) this.trees.setLazy(dupTree, from, nowMs)
        this.prune(dupTree, from, message.origin)
      }
      return
    }
    this.markSeen(message.id, nowMs)
    this.stats.delivered++
    this.io.emit({
      type: 'received',
      id: message.id,
      content: message.content,
      deliveredBy: from,
      hops,
      scope: message.scope,
    })
    if (message.scope === 'neighbors') return

    // A literal of the message's own fields: a spread copy keeps some of them outside the
    // object (a separate property array), and every node caches its copy for messageCacheMs.
    const { id, origin, content, scope } = message
    const forwarded: GossipMessage = { type: 'gossip', id, origin, content, round: hops, scope }
    this.cacheMessage(forwarded, nowMs)
    const missing = this.missing.get(message.id)
    if (missing !== undefined) {
      this.missing.delete(message.id)
      this.missingTotal -= missing.announcers.length
      // The answer to our GRAFT came first: time the eager copy when it follows.
      if (missing.grafted.includes(from)) {
        this.stats.graftDeliveries++
        this.rememberGrafted(message.id, missing)
      } else this.sampleEagerLag(nowMs - missing.firstAnnouncedMs)
    }
    const tree = this.trees.use(message.origin, nowMs)
    this.trees.counted(tree, message.id, nowMs)
    for (const peer of this.trees.eagerOf(tree)) if (peer !== from) this.sendGossip(peer, forwarded)
    for (const peer of this.trees.lazyOf(tree)) {
      // A lazy peer that announced this id to us has it: no IHAVE back.
      if (peer === from || (missing !== undefined && missing.announcers.some((a) => a.peer === peer))) continue
      this.queueIHave(peer, { id: message.id, round: hops })
    }
    if (!isNeighbor) return
    if (tree !== undefined) {
      // The answer to a GRAFT we sent after our last PRUNE to `from`: it pushes to us again.
      const stoppedAt = this.trees.stoppedAt(tree, from)
      const graftedAt = missing?.graftSeqs[missing.grafted.lastIndexOf(from)]
      const regrafted = stoppedAt !== undefined && graftedAt !== undefined && graftedAt > stoppedAt
      if (regrafted) this.trees.unstop(tree, from)
      // A neighbor that grafted us takes our pushes: it is downstream, not our parent.
      if ((stoppedAt === undefined || regrafted) && !tree.adopted.includes(from)) tree.parent = from
    }
    // The paper makes the sender eager, as the shared tree also carries other origins'
    // messages the other way; an origin's own tree is directed and never pushes back to
    // the parent (its pushes would only come back as PRUNEs).
    if (!this.trees.directed(tree)) this.trees.setEager(tree, from, nowMs)
    if (missing !== undefined) this.optimize(tree, message, from, missing, nowMs)
  }

  /**
   * Tree optimisation, without a duplicate payload (GRAFT without id + PRUNE): the
   * eager copy came `optimizationLagMs` or more after the first IHAVE (an origin's own
   * tree only: that announcer's link is faster for this origin), or an IHAVE showed a
   * path `optimizationThreshold` or more hops shorter (the paper's rule): graft the
   * announcer's link and prune the sender's.
   */
  private optimize(
    tree: OriginTree | undefined,
    message: GossipMessage,
    from: PeerId,
    missing: MissingEntry,
    nowMs: number,
  ): void {
    const { origin, round: gossipRound } = message
    // Already grafted for this id: its copy is on the way and will be pruned as a duplicate.
    if (missing.grafted.length > 0) return
    let peer: PeerId
    let round: number
    if (tree !== undefined && nowMs - missing.firstAnnouncedMs >= this.config.optimizationLagMs) {
      peer = missing.firstPeer
      round = missing.firstRound
    } else if (gossipRound - missing.bestRound >= this.config.optimizationThreshold) {
      peer = missing.bestPeer
      round = missing.bestRound
    } else {
      return
    }
    if (peer === from) return
    // In an origin's own (directed) tree the GRAFT asks `peer` to push to us; we do not
    // push to it (were it to receive our copies first, it could take us as its parent
    // while we take it as ours, and the two would be cut off from the origin).
    if (this.trees.directed(tree)) {
      if (tree?.parent === peer) return
    } else {
      if (!this.trees.isLazy(tree, peer)) return
      this.trees.setEager(tree, peer, nowMs)
    }
    this.stats.graftsSent++
    // `have`: newer messages of the origin may have passed `peer` before our GRAFT reaches
    // it, and `from`, pruned now, may not push them to us either.
    this.io.send(peer, { type: 'graft', origin, round, ...(tree === undefined ? {} : { have: [...tree.recent] }) })
    // Our pushes to `from` stop too, unless it asked for them (a GRAFT): then it may have
    // taken us as its parent as we took it as ours, and would be left with no one.
    if (tree === undefined || !tree.adopted.includes(from)) this.trees.setLazy(tree, from, nowMs)
    this.prune(tree, from, origin)
    if (tree === undefined) return
    tree.parent = peer
    this.trees.unstop(tree, peer)
  }

  /** Tells `peer` to stop pushing `origin`'s messages to us. */
  private prune(tree: OriginTree | undefined, peer: PeerId, origin: PeerId): void {
    if (tree !== undefined) this.trees.stop(tree, peer, ++this.controlSeq)
    this.stats.prunesSent++
    this.io.send(peer, { type: 'prune', origin })
  }

  /**
   * How long to wait after the first IHAVE before grafting. Starts at `graftTimeout1Ms`
   * and, with `adaptiveGraftTimeout`, follows the observed lag between announcements and
   * the eager copy the way TCP's retransmission timer follows the RTT (RFC 6298:
   * smoothed lag + 4 x variation), within [graftTimeout1Ms, maxGraftTimeoutMs].
   */
  graftTimeoutMs(): number {
    const base = this.config.graftTimeout1Ms
    if (!this.config.adaptiveGraftTimeout || this.lagSmoothedMs < 0) return base
    const estimate = Math.ceil(this.lagSmoothedMs + 4 * this.lagVariationMs)
    return Math.min(this.config.maxGraftTimeoutMs, Math.max(base, estimate))
  }

  private sampleEagerLag(lagMs: number): void {
    if (this.lagSmoothedMs < 0) {
      this.lagSmoothedMs = lagMs
      this.lagVariationMs = lagMs / 2
      return
    }
    this.lagVariationMs = 0.75 * this.lagVariationMs + 0.25 * Math.abs(this.lagSmoothedMs - lagMs)
    this.lagSmoothedMs = 0.875 * this.lagSmoothedMs + 0.125 * lagMs
  }

  private rememberGrafted(id: MessageId, entry: MissingEntry): void {
    this.graftedAnnouncedAt.set(id, { announcedAtMs: entry.firstAnnouncedMs, grafted: entry.grafted })
    if (this.graftedAnnouncedAt.size > this.config.maxAnnouncersPerId * 10) {
      this.graftedAnnouncedAt.delete(this.graftedAnnouncedAt.keys().next().value as MessageId)
    }
  }

  private onIHave(from: PeerId, message: IHaveMessage, nowMs: number): void {
    for (const { id, round } of message.entries) {
      if (this.seen.has(id)) {
        // `from` has it: our own announcement to it would be redundant.
        this.unqueueIHave(from, id)
        continue
      }
      let entry = this.missing.get(id)
      if (entry === undefined) {
        if (this.missingTotal >= this.config.maxMissingTotal || this.missing.size >= this.config.maxMissingTotal) {
          this.stats.droppedAnnouncements++
          continue
        }
        entry = {
          announcers: [],
          timerRunning: false,
          firstAnnouncedMs: nowMs,
          grafted: [],
          graftSeqs: [],
          bestRound: round,
          bestPeer: from,
          firstPeer: from,
          firstRound: round,
        }
        this.missing.set(id, entry)
      }
      // One slot per peer and id: a peer repeating an id cannot fill the announcer list
      // and push out the others (it would be grafted again and again instead).
      if (entry.announcers.some((a) => a.peer === from)) continue
      if (
        entry.announcers.length >= this.config.maxAnnouncersPerId ||
        this.missingTotal >= this.config.maxMissingTotal
      ) {
        this.stats.droppedAnnouncements++
        continue
      }
      entry.announcers.push({ peer: from, round })
      this.missingTotal++
      if (round < entry.bestRound) {
        entry.bestRound = round
        entry.bestPeer = from
      }
      if (!entry.timerRunning) {
        entry.timerRunning = true
        this.io.schedule(this.graftTimeoutMs(), { kind: 'graft', id })
      }
    }
  }

  private onGraftTimer(id: MessageId): void {
    const entry = this.missing.get(id)
    if (entry === undefined) return
    if (this.seen.has(id)) {
      this.missing.delete(id)
      this.missingTotal -= entry.announcers.length
      return
    }
    const next = entry.announcers.shift()
    if (next === undefined) {
      // Every announcer was tried: forget the id (a new IHAVE starts over), but keep
      // timing it so the late copies still teach the graft timeout.
      this.missing.delete(id)
      if (entry.grafted.length > 0) this.rememberGrafted(id, entry)
      return
    }
    this.missingTotal--
    entry.grafted.push(next.peer)
    entry.graftSeqs.push(++this.controlSeq)
    // The link joins the origin's tree when the message arrives over it (the origin is
    // not known before): onGossip makes the sender of a new message eager.
    this.stats.graftsSent++
    this.io.send(next.peer, { type: 'graft', id, round: next.round })
    this.io.schedule(this.config.graftTimeout2Ms, { kind: 'graft', id })
  }

  private onPrune(from: PeerId, origin: PeerId, nowMs: number): void {
    const tree = this.trees.use(origin, nowMs)
    this.trees.setLazy(tree, from, nowMs)
    this.trees.adopt(tree, from, false)
  }

  private onGraft(from: PeerId, message: GraftMessage, isNeighbor: boolean, nowMs: number): void {
    const cached = message.id === undefined ? undefined : this.cache.get(message.id)
    const origin = message.origin ?? cached?.message.origin
    const tree = origin === undefined ? undefined : this.trees.use(origin, nowMs)
    if (isNeighbor) {
      this.trees.setEager(tree, from, nowMs)
      this.trees.adopt(tree, from, true)
    }
    if (cached !== undefined) this.sendGossip(from, cached.message)
    // A tree GRAFT: push the origin's latest messages `from` does not list as had (they
    // passed here before `from` joined the tree).
    if (message.have === undefined || !isNeighbor || tree === undefined) return
    for (const id of tree.recent) {
      if (message.have.includes(id)) continue
      const missed = this.cache.get(id)
      if (missed !== undefined) this.sendGossip(from, missed.message)
    }
  }

  // ---------------------------------------------------------------- lazy push

  private queueIHave(peer: PeerId, entry: IHaveEntry): void {
    let queue = this.lazyQueues.get(peer)
    if (queue === undefined) {
      queue = new Map()
      this.lazyQueues.set(peer, queue)
    }
    if (queue.has(entry.id)) return
    if (queue.size >= this.config.maxLazyQueuePerPeer) {
      this.stats.droppedLazyEntries++
      return
    }
    queue.set(entry.id, entry.round)
    if (!this.dispatchScheduled) {
      this.dispatchScheduled = true
      this.io.schedule(this.config.ihaveDispatchMs, { kind: 'ihaveDispatch' })
    }
  }

  /** `peer` showed it has `id`: drop our pending announcement of it to `peer`. */
  private unqueueIHave(peer: PeerId, id: MessageId): void {
    this.lazyQueues.get(peer)?.delete(id)
  }

  private dispatchIHaves(): void {
    this.dispatchScheduled = false
    const maxEntries = this.config.maxIHaveEntriesPerMessage
    for (const [peer, queue] of this.lazyQueues) {
      let entries: IHaveEntry[] = []
      for (const [id, round] of queue) {
        entries.push({ id, round })
        if (entries.length === maxEntries) {
          this.stats.ihaveEntriesSent += entries.length
          this.io.send(peer, { type: 'ihave', entries })
          entries = []
        }
      }
      if (entries.length > 0) {
        this.stats.ihaveEntriesSent += entries.length
        this.io.send(peer, { type: 'ihave', entries })
      }
    }
    this.lazyQueues.clear()
  }

  // ---------------------------------------------------------------- caches

  private sendGossip(peer: PeerId, message: GossipMessage): void {
    this.stats.gossipSent++
    this.io.send(peer, message)
  }

  private markSeen(id: MessageId, nowMs: number): void {
    this.seen.set(id, nowMs + this.config.seenIdRetentionMs)
    if (this.seen.size > this.config.maxSeenIds) {
      const oldest = this.seen.keys().next().value as MessageId
      this.seen.delete(oldest)
    }
  }

  private cacheMessage(message: GossipMessage, nowMs: number): void {
    if (this.config.maxCachedMessages === 0) return
    this.cache.set(message.id, { message, expiresAtMs: nowMs + this.config.messageCacheMs })
    if (this.cache.size > this.config.maxCachedMessages) {
      const oldest = this.cache.keys().next().value as MessageId
      this.cache.delete(oldest)
    }
  }

  /**
   * Drops expired ids and cached messages (both maps are in expiry order). Runs at most
   * once per EXPIRY_SWEEP_MS, so entries may outlive their retention by that much.
   */
  private expire(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return
    this.nextSweepMs = nowMs + EXPIRY_SWEEP_MS
    for (const [id, expiresAtMs] of this.seen) {
      if (expiresAtMs > nowMs) break
      this.seen.delete(id)
    }
    for (const [id, cached] of this.cache) {
      if (cached.expiresAtMs > nowMs) break
      this.cache.delete(id)
    }
    this.trees.expire(nowMs)
  }

  /** Sizes of the capped structures, for cap assertions in tests. */
  sizes(): BroadcastSizes {
    let lazyQueued = 0
    for (const queue of this.lazyQueues.values()) lazyQueued = Math.max(lazyQueued, queue.size)
    let maxAnnouncers = 0
    for (const entry of this.missing.values()) maxAnnouncers = Math.max(maxAnnouncers, entry.announcers.length)
    return {
      seen: this.seen.size,
      cache: this.cache.size,
      missingIds: this.missing.size,
      missingTotal: this.missingTotal,
      lazyQueued,
      maxAnnouncers,
      graftTimings: this.graftedAnnouncedAt.size,
      originTrees: this.trees.size,
      delivered: this.stats.delivered,
      graftDeliveries: this.stats.graftDeliveries,
      graftsSent: this.stats.graftsSent,
    }
  }
}
