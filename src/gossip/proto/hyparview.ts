/**
 * HyParView membership (Leitão, Pereira, Rodrigues, DSN 2007), one instance per topic.
 *
 * Implements the active view (small, symmetric, connected) and passive view (larger
 * backup), JOIN with FORWARD_JOIN random walks, NEIGHBOR requests with HIGH/LOW
 * priority, periodic SHUFFLE with reply, and repair from the passive view on failure.
 *
 * Deliberate deviations, each for a pitfall in docs/protocol.md:
 * - JOIN and NEIGHBOR are requests answered by an explicit NEIGHBOR_REPLY; the
 *   requester adds the peer only when accepted (a FORWARD_JOIN acceptor asks the joiner
 *   with a HIGH NEIGHBOR instead of adding it blindly). A reply that matches no pending
 *   request but says "accepted" is answered with DISCONNECT so views stay symmetric.
 * - Membership messages carry a per-sender sequence number; older ones than the last
 *   handled from an active or pending peer are ignored (stale DISCONNECT after re-add).
 * - A broadcast message from a peer outside the active view is answered with DISCONNECT
 *   (asymmetric views left by races are torn down, then repaired).
 * - After a DISCONNECT the freed slot is refilled from the passive view, and a periodic
 *   repair tick keeps refilling while the active view is not full; when every view is
 *   empty the node re-joins through the peers it was bootstrapped with.
 * - A passive peer that fails to connect or times out is dropped from the passive view.
 */
import type { MembershipConfig } from './config.js'
import { IndexedSet } from './indexed-set.js'
import type { MembershipTimer, NeighborDownReason } from './io.js'
import type {
  DisconnectMessage,
  ForwardJoinMessage,
  JoinMessage,
  MembershipMessage,
  NeighborMessage,
  NeighborPriority,
  NeighborReplyMessage,
  ShuffleMessage,
  ShuffleReplyMessage,
} from './messages.js'
import { sample, type Rng } from './rng.js'
import type { PeerId, PeerInfo } from './types.js'

/** The side effects HyParView asks of its topic. */
export interface MembershipIo {
  send(to: PeerId, message: MembershipMessage): void
  schedule(delayMs: number, timer: MembershipTimer): void
  peerData(peer: PeerId, data: Uint8Array): void
  /**
   * `repair`: the link came from a LOW-priority request (a view top-up). `relinked`: the
   * peer is a neighbor lost to a failure that is back (a healed partition, a link that
   * went silent and came back).
   */
  neighborUp(peer: PeerId, repair: boolean, relinked: boolean): void
  neighborDown(peer: PeerId, reason: NeighborDownReason): void
  /**
   * Send `peer` a message that it checks like broadcast traffic (the topic sends an
   * empty IHAVE): a peer that does not hold us as a neighbor answers with DISCONNECT.
   */
  probe(peer: PeerId): void
}

/**
 * Source of membership sequence numbers. One per node, shared by all its topics, so the
 * numbers keep growing when a topic is left and joined again (a fresh counter would
 * restart at 1, and peers still holding the old, larger numbers would take the new
 * JOIN for a stale message).
 */
export class SeqCounter {
  private value = 0
  next(): number {
    return ++this.value
  }
}

interface PendingRequest {
  readonly requestId: number
  readonly kind: 'join' | 'neighbor'
  readonly priority: NeighborPriority
}

/** Sizes of one topic's capped membership state, and its request counters. */
export interface MembershipStats {
  /** Active view (neighbors). */
  active: number
  /** Passive view (known peers to replace neighbors with). */
  passive: number
  /** NEIGHBOR / JOIN requests waiting for an answer. */
  pending: number
  /** Peers with stored peer data (addresses). */
  peerData: number
  /** Peers whose last membership sequence number is remembered. */
  seqEntries: number
  /** Lost neighbors being asked back. */
  lost: number
  /** Requests that timed out, whole life. */
  requestTimeouts: number
  /** Replies that came after their request timed out (slow peers), whole life. */
  lateReplies: number
  /** Timed-out requests still remembered for a late reply (cap: the passive view's). */
  expired: number
}

export class HyParView {
  /** Peers we hold a symmetric link with. Capacity: `activeViewCapacity`. */
  readonly active = new IndexedSet<PeerId>()
  /** Backup peers (ids + data only). Capacity: `passiveViewCapacity`. */
  readonly passive = new IndexedSet<PeerId>()
  /** Outgoing JOIN / NEIGHBOR requests awaiting a reply. At most `activeViewCapacity` + bootstrap count. */
  readonly pending = new Map<PeerId, PendingRequest>()

  /** Address data of peers in some view, pending or known. Bounded by those sets. */
  private readonly peerDataById = new Map<PeerId, Uint8Array>()
  /** Last membership sequence number handled per active or pending peer. */
  private readonly lastSeqFrom = new Map<PeerId, number>()
  /** Bootstrap peers remembered for re-joining. Capacity: `maxKnownPeers`. */
  private readonly known: PeerId[] = []
  private lastShuffleSent: readonly PeerId[] = []
  /** Passive peers that rejected a LOW request since the last repair tick. Bounded by the passive view. */
  private readonly rejectedSinceRepair = new Set<PeerId>()
  /** Wait before the next refill retry: `refillRetryMs` once a neighbor is lost, doubled per retry; 0 = none. */
  private refillRetryDelayMs = 0
  private refillRetryScheduled = false
  /** A refill retry sent a SHUFFLE: its reply refills at once. */
  private refillOnShuffleReply = false
  /**
   * Neighbors lost to a connection failure -> repair tick of the loss, oldest first.
   * One is asked back (HIGH) per repair tick until it answers or `lostPeerRetentionMs`
   * passes: after a partition heals, these links join the two sides again.
   * Capacity: `maxLostPeers` (oldest forgotten first).
   */
  private readonly lost = new Map<PeerId, number>()
  /**
   * Requests that timed out: peer -> the request id its reply would carry (0 for a
   * JOIN). A reply that comes anyway proves the peer slow, not dead (see
   * onNeighborReply). Capacity: `passiveViewCapacity` (oldest forgotten first).
   */
  private readonly expired = new Map<PeerId, number>()
  /**
   * The current NEIGHBOR/JOIN request timeout: `neighborRequestTimeoutMs`, doubled (up
   * to `maxNeighborRequestTimeoutMs`) each time a reply comes after its request timed
   * out, and back to the base after a reply in time.
   */
  private requestTimeoutMs: number
  private requestTimeouts = 0
  private lateReplies = 0
  private repairTicks = 0
  private linkCheckCursor = 0
  /**
   * Passive peers we failed to reach -> repair tick of the failure. Shuffles do not
   * bring them back into the passive view for one shuffle period (two survivors would
   * otherwise hand a crashed peer back and forth forever, and never see their passive
   * views run dry). A message from the peer clears it. Capacity: `passiveViewCapacity`.
   */
  private readonly failed = new Map<PeerId, number>()
  /**
   * Healthy peers pushed out of the full passive view, newest last; poured back into
   * the passive view when it runs dry (a mass failure purged it), so a survivor has
   * more peers to try. Capacity: `passiveBacklogCapacity` (oldest forgotten first).
   */
  private readonly backlog: PeerId[] = []
  private nextRequestId = 1
  private timersStarted = false
  private localData: Uint8Array | undefined

  constructor(
    readonly me: PeerId,
    private readonly config: MembershipConfig,
    private readonly rng: Rng,
    private readonly io: MembershipIo,
    private readonly seqs: SeqCounter = new SeqCounter(),
  ) {
    this.requestTimeoutMs = config.neighborRequestTimeoutMs
  }

  /** Is `peer` in the active view or awaiting a reply from us? */
  needs(peer: PeerId): boolean {
    return this.active.has(peer) || this.pending.has(peer)
  }

  setLocalData(data: Uint8Array | undefined): void {
    this.localData = data
  }

  peerInfo(peer: PeerId): PeerInfo {
    return { id: peer, data: this.peerDataById.get(peer) }
  }

  // ---------------------------------------------------------------- commands

  /** Join through `peers` (may be empty: wait to be joined). Starts the periodic timers. */
  join(peers: readonly PeerInfo[]): void {
    this.startTimers()
    for (const peer of peers) {
      if (peer.id === this.me) continue
      if (peer.data !== undefined) this.learnData(peer.id, peer.data)
      if (!this.known.includes(peer.id)) {
        this.known.push(peer.id)
        if (this.known.length > this.config.maxKnownPeers) this.forgetIfUnused(this.known.shift() as PeerId)
      }
    }
    this.sendJoins(peers.map((p) => p.id))
  }

  /**
   * Leave: tell every active peer, and every peer we asked to be our neighbor (it may
   * have accepted already), that we are gone; drop all state.
   */
  quit(): void {
    for (const peer of [...this.active]) {
      this.send(peer, { type: 'disconnect', seq: this.nextSeq(), alive: false })
      this.active.delete(peer)
      this.io.neighborDown(peer, 'quit')
    }
    for (const peer of this.pending.keys()) this.send(peer, { type: 'disconnect', seq: this.nextSeq(), alive: false })
    this.pending.clear()
  }

  // ---------------------------------------------------------------- messages

  handleMessage(from: PeerId, message: MembershipMessage): void {
    if (from === this.me) return
    this.failed.delete(from)
    this.dispatch(from, message)
    this.forgetIfUnused(from)
  }

  private dispatch(from: PeerId, message: MembershipMessage): void {
    switch (message.type) {
      case 'join':
        return this.onJoin(from, message)
      case 'forwardJoin':
        return this.onForwardJoin(from, message)
      case 'neighbor':
        return this.onNeighbor(from, message)
      case 'neighborReply':
        return this.onNeighborReply(from, message)
      case 'disconnect':
        return this.onDisconnect(from, message)
      case 'shuffle':
        return this.onShuffle(from, message)
      case 'shuffleReply':
        return this.onShuffleReply(message)
    }
  }

  /**
   * A message of the broadcast layer came from `from`. If `from` is not an active peer,
   * the link is asymmetric (it believes we are neighbors): tell it we are not.
   */
  checkNeighbor(from: PeerId): boolean {
    if (this.active.has(from)) return true
    this.failed.delete(from)
    // Awaiting its reply: it may have accepted already (its reply overtaken), so no.
    if (this.pending.has(from)) return false
    if (from !== this.me) this.send(from, { type: 'disconnect', seq: this.nextSeq(), alive: true })
    return false
  }

  /** The connection to `peer` failed (or could not be opened). */
  peerDisconnected(peer: PeerId): void {
    this.lastSeqFrom.delete(peer)
    const request = this.pending.get(peer)
    if (request !== undefined) {
      this.pending.delete(peer)
      this.dropPassive(peer)
      this.rememberFailed(peer)
      // A bootstrap peer we could not reach (a partition, say): keep asking it.
      if (request.kind === 'join') this.rememberLost(peer)
    }
    if (this.active.delete(peer)) {
      this.io.neighborDown(peer, 'connectionLost')
      this.neighborLost()
      this.rememberLost(peer)
      this.forgetIfUnused(peer)
    }
    this.refillThenRetry()
  }

  handleTimer(timer: MembershipTimer): void {
    switch (timer.kind) {
      case 'shuffle':
        this.io.schedule(this.config.shuffleIntervalMs, timer)
        return this.doShuffle()
      case 'repair':
        this.io.schedule(this.config.repairIntervalMs, timer)
        return this.repair()
      case 'refillRetry':
        this.refillRetryScheduled = false
        this.refillRetryDelayMs *= 2
        this.rejectedSinceRepair.clear()
        this.refill()
        if (this.active.size < this.config.activeViewCapacity) {
          // One walk per neighbor: a node with a free slot that any walk meets links up
          // with us, and every reply names peers to try at once.
          this.refillOnShuffleReply = true
          this.doShuffle(true)
        }
        return this.scheduleRefillRetry()
      case 'neighborTimeout': {
        const request = this.pending.get(timer.peer)
        if (request === undefined || request.requestId !== timer.requestId) return
        this.pending.delete(timer.peer)
        this.lastSeqFrom.delete(timer.peer)
        this.requestTimeouts++
        this.expired.delete(timer.peer)
        this.expired.set(timer.peer, request.kind === 'join' ? 0 : request.requestId)
        if (this.expired.size > this.config.passiveViewCapacity) this.expired.delete(this.expired.keys().next().value as PeerId)
        if (request.kind === 'neighbor') {
          this.dropPassive(timer.peer)
          this.rememberFailed(timer.peer)
        } else {
          this.rememberLost(timer.peer)
          this.forgetIfUnused(timer.peer)
        }
        return this.refillThenRetry()
      }
    }
  }

  // ---------------------------------------------------------------- handlers

  private onJoin(from: PeerId, message: JoinMessage): void {
    if (!this.acceptSeq(from, message.seq)) return
    if (message.data !== undefined) this.learnData(from, message.data)
    const isNew = !this.active.has(from)
    this.addActive(from)
    this.send(from, { type: 'neighborReply', seq: this.nextSeq(), requestId: 0, accepted: true })
    if (!isNew) return
    const announced: PeerInfo = { id: from, data: message.data }
    for (const peer of [...this.active]) {
      if (peer === from) continue
      this.send(peer, { type: 'forwardJoin', peer: announced, ttl: this.config.activeRandomWalkLength })
    }
  }

  private onForwardJoin(from: PeerId, message: ForwardJoinMessage): void {
    const joiner = message.peer.id
    if (joiner === this.me || this.active.has(joiner)) return
    if (message.peer.data !== undefined) this.learnData(joiner, message.peer.data)
    if (message.ttl <= 0 || this.active.size <= 1) {
      this.requestNeighbor(joiner, 'high', 'neighbor')
    } else {
      if (message.ttl === this.config.passiveRandomWalkLength) this.addPassive(joiner, [])
      const next = this.active.pickWhere(this.rng, (p) => p !== from && p !== joiner)
      if (next === undefined) this.requestNeighbor(joiner, 'high', 'neighbor')
      else this.send(next, { type: 'forwardJoin', peer: message.peer, ttl: message.ttl - 1 })
    }
    // Keep the joiner's address only if it is now pending or passive (a flood of made-up
    // joiners must not grow the address map).
    this.forgetIfUnused(joiner)
  }

  private onNeighbor(from: PeerId, message: NeighborMessage): void {
    if (!this.acceptSeq(from, message.seq)) return
    if (message.data !== undefined) this.learnData(from, message.data)
    const accept =
      this.active.has(from) ||
      message.priority === 'high' ||
      this.active.size < this.config.activeViewCapacity
    if (accept) {
      // A crossing request of ours to the same peer is answered by this link.
      this.pending.delete(from)
      this.addActive(from, message.priority === 'low')
    } else {
      this.addPassive(from, [])
      this.lastSeqFrom.delete(from)
    }
    this.send(from, {
      type: 'neighborReply',
      seq: this.nextSeq(),
      requestId: message.requestId,
      accepted: accept,
    })
  }

  private onNeighborReply(from: PeerId, message: NeighborReplyMessage): void {
    if (!this.acceptSeq(from, message.seq)) return
    const request = this.pending.get(from)
    const matches =
      request !== undefined && (request.requestId === message.requestId || request.kind === 'join')
    if (!matches) {
      // A newer request to the same peer is pending: its reply settles the link (the
      // peer holds us now, so it accepts that one too). A DISCONNECT here would cross
      // the newer request and leave the peer without us but us with it.
      if (request !== undefined) return
      if (this.expired.get(from) === message.requestId) return this.onLateReply(from, message)
      // Stale or unsolicited: the peer may now hold us in its active view.
      if (message.accepted && !this.active.has(from)) {
        this.send(from, { type: 'disconnect', seq: this.nextSeq(), alive: true })
        this.lastSeqFrom.delete(from)
      }
      return
    }
    this.pending.delete(from)
    this.requestTimeoutMs = this.config.neighborRequestTimeoutMs
    if (message.accepted) {
      this.addActive(from, request.priority === 'low')
    } else {
      // Full: keep it as a backup and ask another passive peer right away.
      this.lastSeqFrom.delete(from)
      this.addPassive(from, [])
      this.rejectedSinceRepair.add(from)
      this.refillThenRetry()
    }
  }

  /**
   * The reply to a request that timed out: the peer is alive, only slow (an overloaded
   * event loop, a CPU-starved device). It is not lost; its acceptance is taken while
   * there is room, so a slow peer does not cause a DISCONNECT and another request (which
   * add load where there is too much already); and later requests wait longer.
   */
  private onLateReply(from: PeerId, message: NeighborReplyMessage): void {
    this.lateReplies++
    this.expired.delete(from)
    this.lost.delete(from)
    this.failed.delete(from)
    this.requestTimeoutMs = Math.min(this.config.maxNeighborRequestTimeoutMs, 2 * this.requestTimeoutMs)
    if (this.active.has(from)) return
    if (message.accepted && this.active.size < this.config.activeViewCapacity) {
      this.addActive(from, true)
      return
    }
    if (message.accepted) {
      this.send(from, { type: 'disconnect', seq: this.nextSeq(), alive: true })
      this.lastSeqFrom.delete(from)
    }
    this.addPassive(from, [])
  }

  private onDisconnect(from: PeerId, message: DisconnectMessage): void {
    if (!this.acceptSeq(from, message.seq)) return
    this.lastSeqFrom.delete(from)
    if (this.active.delete(from)) {
      this.io.neighborDown(from, 'disconnected')
      if (message.alive) this.addPassive(from, [])
    }
    if (!message.alive) {
      this.pending.delete(from)
      this.dropPassive(from)
    }
    this.forgetIfUnused(from)
    this.refillThenRetry()
  }

  private onShuffle(from: PeerId, message: ShuffleMessage): void {
    const origin = message.origin.id
    if (origin === this.me) return
    if (message.origin.data !== undefined) this.learnData(origin, message.origin.data)
    // A node with a free slot links up with shuffle origins it meets (LOW: the origin
    // accepts only into a free slot), so the last few nodes short of neighbors find
    // each other without waiting for their passive views to turn over.
    if (this.active.size + this.pending.size < this.config.activeViewCapacity) {
      this.requestNeighbor(origin, 'low', 'neighbor')
    }
    const ttl = message.ttl - 1
    if (ttl > 0 && this.active.size > 1) {
      const next = this.active.pickWhere(this.rng, (p) => p !== from && p !== origin)
      if (next !== undefined) {
        this.send(next, { type: 'shuffle', origin: message.origin, nodes: message.nodes, ttl })
        this.forgetIfUnused(origin)
        return
      }
    }
    const reply = sample(this.rng, this.passive.values(), message.nodes.length).map((id) =>
      this.peerInfo(id),
    )
    this.send(origin, { type: 'shuffleReply', nodes: reply })
    const replied = reply.map((p) => p.id)
    this.addPassive(origin, replied)
    for (const peer of message.nodes) this.addPassiveInfo(peer, replied)
    this.forgetIfUnused(origin)
  }

  private onShuffleReply(message: ShuffleReplyMessage): void {
    for (const peer of message.nodes) this.addPassiveInfo(peer, this.lastShuffleSent)
    // The shuffle was a refill retry's: try the peers just learned at once.
    if (this.refillOnShuffleReply) this.refill()
  }

  // ---------------------------------------------------------------- periodic

  private startTimers(): void {
    if (this.timersStarted) return
    this.timersStarted = true
    this.io.schedule(this.config.shuffleIntervalMs, { kind: 'shuffle' })
    this.io.schedule(this.config.repairIntervalMs, { kind: 'repair' })
  }

  /** Sends a SHUFFLE walk through one random neighbor, or through every neighbor if `everyNeighbor`. */
  private doShuffle(everyNeighbor = false): void {
    const target = this.active.pick(this.rng)
    if (target === undefined) return
    const activeSample = sample(
      this.rng,
      this.active.values().filter((p) => p !== target),
      this.config.shuffleActiveCount,
    )
    const passiveSample = sample(this.rng, this.passive.values(), this.config.shufflePassiveCount)
    const nodes = [...activeSample, ...passiveSample]
    this.lastShuffleSent = nodes
    const message: ShuffleMessage = {
      type: 'shuffle',
      origin: { id: this.me, data: this.localData },
      nodes: nodes.map((id) => this.peerInfo(id)),
      ttl: this.config.shuffleRandomWalkLength,
    }
    for (const peer of everyNeighbor ? this.active.values() : [target]) this.send(peer, message)
  }

  private repair(): void {
    this.repairTicks++
    this.refillOnShuffleReply = false
    this.rejectedSinceRepair.clear()
    this.expireFailed()
    this.checkLinks()
    if (this.passive.size === 0) this.restoreBacklog()
    const drained = this.passive.size === 0 && this.pending.size === 0
    if (drained) {
      // No backup peer left: the views drained, or the node sits in a small island
      // whose members know nobody else (a full one too: its passive views stay empty,
      // as its shuffles never leave it). Re-join through the bootstrap peers that are
      // not neighbors already; their FORWARD_JOIN walks reach the rest of the overlay.
      this.sendJoins(this.known)
    }
    this.retryLost()
    if (drained && this.active.size === 0) return
    this.refill()
    // Still short of neighbors and no untried passive peer left: learn new ones now
    // instead of waiting for the next periodic shuffle.
    if (this.active.size < this.config.activeViewCapacity) this.doShuffle()
  }

  // ---------------------------------------------------------------- view changes

  private sendJoins(peers: readonly PeerId[]): void {
    for (const peer of peers) {
      if (peer === this.me || this.active.has(peer) || this.pending.has(peer)) continue
      const requestId = this.nextRequestId++
      this.pending.set(peer, { requestId, kind: 'join', priority: 'high' })
      this.send(peer, { type: 'join', seq: this.nextSeq(), data: this.localData })
      this.io.schedule(this.requestTimeoutMs, { kind: 'neighborTimeout', peer, requestId })
    }
  }

  /** Refills the free slots; one still free (every passive peer asked refused) is asked for again soon. */
  private refillThenRetry(): void {
    this.refill()
    this.scheduleRefillRetry()
  }

  /**
   * Every passive peer refused and a slot is still free: ask again after
   * `refillRetryDelayMs`, as long as that is shorter than the repair period.
   */
  private scheduleRefillRetry(): void {
    if (this.refillRetryScheduled || this.slotsTaken() >= this.config.activeViewCapacity) return
    if (this.refillRetryDelayMs === 0 || this.refillRetryDelayMs >= this.config.repairIntervalMs) return
    this.refillRetryScheduled = true
    this.io.schedule(this.refillRetryDelayMs, { kind: 'refillRetry' })
  }

  /**
   * A neighbor's connection failed: refused refills are retried soon again. (A neighbor
   * that says DISCONNECT left or evicted us on purpose; the repair tick refills that slot.)
   */
  private neighborLost(): void {
    this.refillRetryDelayMs = this.config.refillRetryMs
  }

  /**
   * Active peers plus pending requests, except those asking a lost neighbor back: it may
   * well be dead (an unplugged host takes a dial timeout to refuse), so such a request
   * does not keep a free slot from being offered to a passive peer meanwhile.
   */
  private slotsTaken(): number {
    let taken = this.active.size
    for (const peer of this.pending.keys()) if (!this.lost.has(peer)) taken++
    return taken
  }

  /** Ask passive peers to fill the free active slots (one request per free slot). */
  private refill(): void {
    const capacity = this.config.activeViewCapacity
    while (this.slotsTaken() < capacity) {
      const candidate = this.passive.pickWhere(
        this.rng,
        (p) => !this.pending.has(p) && !this.rejectedSinceRepair.has(p),
      )
      if (candidate === undefined) return
      // HIGH for one request at a time while the active view is empty (paper); a
      // request asking a lost neighbor back does not count, it may well be dead.
      const priority: NeighborPriority = this.active.size === 0 && !this.highRequestPending() ? 'high' : 'low'
      this.requestNeighbor(candidate, priority, 'neighbor')
    }
  }

  private highRequestPending(): boolean {
    for (const [peer, request] of this.pending) if (request.priority === 'high' && !this.lost.has(peer)) return true
    return false
  }

  private requestNeighbor(peer: PeerId, priority: NeighborPriority, kind: 'neighbor'): void {
    if (this.pending.has(peer) || this.active.has(peer)) return
    // Cap: a flood of FORWARD_JOINs (each accepted one asks the joiner to be a neighbor)
    // must not make the node dial without bound.
    if (this.pending.size >= this.maxPendingRequests()) return
    const requestId = this.nextRequestId++
    this.pending.set(peer, { requestId, kind, priority })
    this.send(peer, {
      type: 'neighbor',
      seq: this.nextSeq(),
      requestId,
      priority,
      data: this.localData,
    })
    this.io.schedule(this.requestTimeoutMs, { kind: 'neighborTimeout', peer, requestId })
  }

  /** Adds `peer` to the active view, evicting a random member if full. */
  private addActive(peer: PeerId, repair = false): void {
    if (peer === this.me || this.active.has(peer)) return
    this.pending.delete(peer)
    const relinked = this.lost.delete(peer)
    if (this.active.size >= this.config.activeViewCapacity) {
      const evicted = this.active.pick(this.rng) as PeerId
      this.active.delete(evicted)
      this.send(evicted, { type: 'disconnect', seq: this.nextSeq(), alive: true })
      this.lastSeqFrom.delete(evicted)
      this.io.neighborDown(evicted, 'evicted')
      this.addPassive(evicted, [])
    }
    this.passive.delete(peer)
    this.active.add(peer)
    this.io.neighborUp(peer, repair, relinked)
  }

  private addPassiveInfo(peer: PeerInfo, evictFirst: readonly PeerId[]): void {
    if (peer.id === this.me || this.active.has(peer.id) || this.passive.has(peer.id)) return
    // Second-hand news of a peer we just failed to reach: it is most likely gone.
    if (this.failed.has(peer.id)) return
    if (peer.data !== undefined) this.learnData(peer.id, peer.data)
    this.addPassive(peer.id, evictFirst)
  }

  /** Adds `peer` to the passive view; when full, evicts from `evictFirst`, else at random. */
  private addPassive(peer: PeerId, evictFirst: readonly PeerId[]): void {
    if (peer === this.me || this.active.has(peer) || this.passive.has(peer)) return
    if (this.passive.size >= this.config.passiveViewCapacity) {
      let evicted: PeerId | undefined
      for (const candidate of evictFirst) {
        if (this.passive.has(candidate)) {
          evicted = candidate
          break
        }
      }
      evicted ??= this.passive.pick(this.rng) as PeerId
      this.passive.delete(evicted)
      this.pushBacklog(evicted)
    }
    this.passive.add(peer)
  }

  private pushBacklog(peer: PeerId): void {
    const capacity = this.config.passiveBacklogCapacity
    if (capacity === 0) return this.forgetIfUnused(peer)
    const at = this.backlog.indexOf(peer)
    if (at >= 0) this.backlog.splice(at, 1)
    this.backlog.push(peer)
    if (this.backlog.length > capacity) this.forgetIfUnused(this.backlog.shift() as PeerId)
  }

  /** The passive view ran dry: give the peers it pushed out another chance. */
  private restoreBacklog(): void {
    const peers = this.backlog.splice(0)
    for (const peer of peers) this.addPassive(peer, [])
    for (const peer of peers) this.forgetIfUnused(peer)
  }

  private dropPassive(peer: PeerId): void {
    this.passive.delete(peer)
    this.forgetIfUnused(peer)
  }

  /**
   * Probes the next `linkChecksPerRepair` active peers (round robin): one that no longer
   * holds us answers with DISCONNECT, so an asymmetric link left by a lost or reordered
   * message is torn down even where no broadcast traffic flows.
   */
  private checkLinks(): void {
    const peers = this.active.values()
    const count = Math.min(this.config.linkChecksPerRepair, peers.length)
    for (let i = 0; i < count; i++) {
      this.linkCheckCursor = (this.linkCheckCursor + 1) % peers.length
      this.io.probe(peers[this.linkCheckCursor] as PeerId)
    }
  }

  private rememberFailed(peer: PeerId): void {
    this.failed.delete(peer)
    this.failed.set(peer, this.repairTicks)
    if (this.failed.size > this.config.passiveViewCapacity) this.failed.delete(this.failed.keys().next().value as PeerId)
  }

  private expireFailed(): void {
    const periodTicks = Math.ceil(this.config.shuffleIntervalMs / this.config.repairIntervalMs)
    for (const [peer, tick] of this.failed) {
      if (this.repairTicks - tick <= periodTicks) break
      this.failed.delete(peer)
    }
  }

  // ---------------------------------------------------------------- lost neighbors

  private rememberLost(peer: PeerId): void {
    if (this.config.maxLostPeers === 0 || this.config.lostPeerRetentionMs === 0) return
    this.lost.delete(peer)
    this.lost.set(peer, this.repairTicks)
    if (this.lost.size > this.config.maxLostPeers) {
      const oldest = this.lost.keys().next().value as PeerId
      this.lost.delete(oldest)
      this.forgetIfUnused(oldest)
    }
  }

  /**
   * Asks the longest-waiting lost neighbor back with a HIGH request (accepted even by a
   * full view, so two healed sides link up although every node is full), then queues it
   * last. Entries older than `lostPeerRetentionMs` are forgotten.
   */
  private retryLost(): void {
    const retentionTicks = Math.ceil(this.config.lostPeerRetentionMs / this.config.repairIntervalMs)
    for (const [peer, tick] of this.lost) {
      if (this.repairTicks - tick <= retentionTicks) break
      this.lost.delete(peer)
      this.forgetIfUnused(peer)
    }
    for (const [peer, tick] of this.lost) {
      if (this.active.has(peer) || this.pending.has(peer)) continue
      this.lost.delete(peer)
      this.lost.set(peer, tick)
      this.requestNeighbor(peer, 'high', 'neighbor')
      return
    }
  }

  // ---------------------------------------------------------------- helpers

  private send(to: PeerId, message: MembershipMessage): void {
    this.io.send(to, message)
  }

  private nextSeq(): number {
    return this.seqs.next()
  }

  /** False if `seq` is not newer than the last one handled from `from` (stale message). */
  private acceptSeq(from: PeerId, seq: number): boolean {
    const last = this.lastSeqFrom.get(from)
    if (last !== undefined && seq <= last) return false
    this.lastSeqFrom.set(from, seq)
    return true
  }

  private learnData(peer: PeerId, data: Uint8Array): void {
    if (peer === this.me) return
    const known = this.peerDataById.get(peer)
    if (known !== undefined && bytesEqual(known, data)) return
    this.peerDataById.set(peer, data)
    this.io.peerData(peer, data)
  }

  /**
   * Cap on outstanding NEIGHBOR requests: enough for every free active slot plus a JOIN
   * to every bootstrap peer; NEIGHBOR requests beyond it are not sent.
   */
  private maxPendingRequests(): number {
    return this.config.activeViewCapacity + this.config.maxKnownPeers
  }

  /** Drops per-peer bookkeeping once `peer` is in no view, request or bootstrap list. */
  private forgetIfUnused(peer: PeerId): void {
    if (this.active.has(peer) || this.pending.has(peer)) return
    this.lastSeqFrom.delete(peer)
    if (this.passive.has(peer) || this.lost.has(peer) || this.known.includes(peer) || this.backlog.includes(peer)) return
    this.peerDataById.delete(peer)
  }

  /**
   * Every peer this node knows of and could reach out to: views, pending requests,
   * bootstrap peers, lost neighbors and the passive backlog (for the simulator's
   * "can this node still be found at all" analysis).
   */
  knownPeers(): Set<PeerId> {
    return new Set([
      ...this.active,
      ...this.passive,
      ...this.pending.keys(),
      ...this.known,
      ...this.lost.keys(),
      ...this.backlog,
    ])
  }

  /** Sizes of the internal maps, for cap assertions in tests. */
  stats(): MembershipStats {
    return {
      requestTimeouts: this.requestTimeouts,
      lateReplies: this.lateReplies,
      expired: this.expired.size,
      active: this.active.size,
      passive: this.passive.size,
      pending: this.pending.size,
      peerData: this.peerDataById.size,
      seqEntries: this.lastSeqFrom.size,
      lost: this.lost.size,
    }
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
