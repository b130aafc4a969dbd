/**
 * Plumtree's eager/lazy split of the active view, kept once per broadcast origin (root)
 * as riak_core_broadcast does, plus one shared tree.
 *
 * Why: with a single tree, two broadcasts from different senders that cross a cycle
 * each PRUNE a different link of it, so under concurrent senders nodes lose their eager
 * parent and deliveries wait for IHAVE/GRAFT repairs. With one tree per origin, each
 * origin's PRUNEs and GRAFTs shape only its own tree.
 *
 * How it stays cheap:
 * - The **shared tree** (`eager`, `lazy`) is the split a new origin starts from. It
 *   learns from every origin's first message, as the paper's single tree learns from
 *   every message: while an origin's tree has carried one message, its changes are
 *   applied to the shared tree too. So a new origin's first message travels a settled
 *   tree instead of flooding the neighbors (a fresh tree per neighbor set cost an RMR of
 *   1.4 for each new sender), and the PRUNEs of repeating senders, which shape only
 *   their own trees, cannot break it. Messages of untracked origins (trees off) shape
 *   the shared tree directly.
 * - An **origin tree** is created on the first message of that origin as a copy of the
 *   shared tree's eager set and takes over from its second message on. It stores its
 *   eager peers (at most `activeViewCapacity` ids; every other active neighbor is lazy
 *   for that origin), its parent, the neighbors it pruned and that grafted it, and the
 *   ids of the origin's last `MAX_GRAFT_HAVE_IDS` messages (about 0.23 KB in all).
 * - An origin's own tree is **directed**: its eager peers are the neighbors this node
 *   pushes the origin's messages to; the neighbor it receives them from is not among
 *   them, and a duplicate only tells its sender to stop pushing. With symmetric links a
 *   stream of messages from one sender kept breaking its tree: a copy still in flight
 *   over a link being replaced arrived first, and the PRUNE that followed cut the new
 *   parent's link in both directions. The parent is kept while the tree changes: a copy
 *   from a neighbor already pruned (its push was in flight) does not replace it, the
 *   parent's duplicate is not pruned, and a neighbor that grafted us (our child) never
 *   becomes our parent (`Plumtree` applies these rules).
 * - **Crossing first messages do not cut the shared tree.** Two new origins' first
 *   messages crossing a cycle would each PRUNE a different link of it (the single
 *   tree's failure under concurrent senders, now on the shared tree). A change a first
 *   message makes (PRUNE, GRAFT, first copy) therefore reaches the shared tree only
 *   after `quietMs` in which no other origin's first message was seen (before or after
 *   it); until then it is pending, and it is dropped if one was (a node whose shared
 *   tree has no eager link takes a GRAFT at once). The origin's own tree changes at
 *   once. While many new senders start at once the shared tree keeps the links it had,
 *   and it learns again once they are quiet.
 * - Neighbor changes touch only the shared tree. Each one bumps a link epoch; an origin
 *   tree catches up when it is next used (peers gone, or re-linked since, leave it; new
 *   neighbors take the shared tree's state), so a neighbor change never walks every tree.
 * - At most `maxTrees` origins are tracked, least recently used forgotten first, and an
 *   origin silent for `idleMs` is forgotten; its next message starts again from the
 *   shared tree. With `maxTrees` = 0 every origin uses the shared tree (the paper's
 *   single tree).
 */
import { MAX_GRAFT_HAVE_IDS } from './messages.js'
import type { MessageId, PeerId } from './types.js'

/** One origin's tree at this node. Opaque outside this module. */
export interface OriginTree {
  /** The origin (sender) this tree carries messages of. */
  readonly origin: PeerId
  /** Eager neighbors for this origin; every other active neighbor is lazy. Copy-on-write (may be shared). */
  eager: readonly PeerId[]
  /**
   * The neighbor the latest new message of this origin came from first (not counting
   * a push from a `stopped` neighbor still in flight): this node's parent in the tree. A duplicate
   * from it is not answered with PRUNE, so crossing copies cannot cut both links in.
   */
  parent: PeerId | undefined
  /**
   * Neighbors this node told (PRUNE) to stop pushing this origin's messages and has not
   * grafted since, each with the sequence number of that PRUNE (see `Plumtree`).
   * Capacity: the active view.
   */
  stopped: ReadonlyArray<{ readonly peer: PeerId; readonly seq: number }>
  /**
   * Neighbors that asked (GRAFT) to receive this origin's messages from us and have not
   * pruned us since: they may take us as their parent. Capacity: the active view.
   */
  adopted: readonly PeerId[]
  /** The latest messages of this origin seen here, oldest first (listed in and compared with a tree GRAFT's `have`). Capacity: MAX_GRAFT_HAVE_IDS. */
  recent: readonly MessageId[]
  /** Link epoch this tree was last brought up to date at. */
  epoch: number
  lastUsedMs: number
  /** Messages of this origin seen (delivered or sent) while tracked. */
  messages: number
}

/** The empty list every new tree starts with (shared; lists are replaced, never changed in place). */
const NONE: readonly never[] = Object.freeze([])

/*
 * A node holds up to `maxTrees` trees, so their lists are copy-on-write and allocated at
 * their exact length: V8 gives an array grown by `push`, `filter` or a spread literal
 * room for 16 more elements (about 180 bytes for a list of one).
 */

/** `list` with `item` appended, as a new array of exactly that length. */
function appended<T>(list: readonly T[], item: T): T[] {
  const next = new Array<T>(list.length + 1)
  for (let i = 0; i < list.length; i++) next[i] = list[i] as T
  next[list.length] = item
  return next
}

/** The items of `list` that `keep` holds for: `list` itself if that is all of them, else a new exact-length array. */
function kept<T>(list: readonly T[], keep: (item: T) => boolean): readonly T[] {
  let count = 0
  for (const item of list) if (keep(item)) count++
  if (count === list.length) return list
  if (count === 0) return NONE
  const next = new Array<T>(count)
  let at = 0
  for (const item of list) if (keep(item)) next[at++] = item
  return next
}

/** A young tree's change to one shared-tree link, waiting for quiet. */
interface PendingChange {
  /** The origin whose first message caused it. */
  readonly origin: PeerId
  /** Make the link eager (GRAFT, first copy) or lazy (PRUNE, duplicate). */
  readonly eager: boolean
  readonly atMs: number
}

export class OriginTrees {
  /** Shared tree: neighbors pushed to eagerly by default. Subset of the active view. */
  readonly eager = new Set<PeerId>()
  /** Shared tree: neighbors only announced to by default. Active view minus `eager`. */
  readonly lazy = new Set<PeerId>()
  /** Origin -> tree, least recently used first. Capacity: `maxTrees`. */
  private readonly trees = new Map<PeerId, OriginTree>()
  /** Bumped on every neighbor up or down. */
  private epoch = 0
  /** Active neighbor -> the epoch it came up at. */
  private readonly upEpoch = new Map<PeerId, number>()
  /**
   * Changes first messages made to shared-tree links (PRUNE: lazy; GRAFT or first copy:
   * eager), waiting for `quietMs` without another origin's first message: neighbor ->
   * the change, the origin whose first message caused it and when. At most one per active
   * neighbor (a later one replaces it), so capped by the active view.
   */
  private readonly pendingShared = new Map<PeerId, PendingChange>()
  /** At most the earliest `atMs` in `pendingShared`: `settle` has nothing to do before it + `quietMs`. */
  private pendingSinceMs = Number.POSITIVE_INFINITY
  /** The latest first message seen and the latest one of another origin than it. */
  private latestFirst: { origin: PeerId; atMs: number } | undefined
  private latestOtherFirst: { origin: PeerId; atMs: number } | undefined
  /** The shared tree's eager set as a list, shared by the trees created while it holds. */
  private sharedEagerList: readonly PeerId[] = NONE

  constructor(
    private readonly maxTrees: number,
    private readonly idleMs: number,
    private readonly quietMs: number = 0,
  ) {}

  /** Number of origins tracked with their own tree. */
  get size(): number {
    return this.trees.size
  }

  /** Is `peer` an active neighbor (in the shared tree, eager or lazy)? */
  isActive(peer: PeerId): boolean {
    return this.upEpoch.has(peer)
  }

  neighborUp(peer: PeerId, eager: boolean): void {
    this.epoch++
    this.upEpoch.set(peer, this.epoch)
    if (eager) {
      this.lazy.delete(peer)
      this.eager.add(peer)
    } else {
      this.eager.delete(peer)
      this.lazy.add(peer)
    }
  }

  neighborDown(peer: PeerId): void {
    this.pendingShared.delete(peer)
    if (!this.upEpoch.delete(peer)) return
    this.epoch++
    this.eager.delete(peer)
    this.lazy.delete(peer)
  }

  /**
   * The tree for messages from `origin`, created from the shared tree if not tracked,
   * brought up to date and marked as used at `nowMs`. `undefined` when origin trees are
   * off: callers then use the shared tree.
   */
  use(origin: PeerId, nowMs: number): OriginTree | undefined {
    if (this.maxTrees === 0) return undefined
    this.settle(nowMs)
    let tree = this.trees.get(origin)
    if (tree === undefined) {
      tree = {
        origin,
        eager: this.sharedEagerSnapshot(),
        parent: undefined,
        stopped: NONE,
        adopted: NONE,
        recent: NONE,
        epoch: this.epoch,
        lastUsedMs: nowMs,
        messages: 0,
      }
      this.trees.set(origin, tree)
      if (this.trees.size > this.maxTrees) this.trees.delete(this.trees.keys().next().value as PeerId)
      return tree
    }
    if (tree.lastUsedMs !== nowMs) {
      // Re-insert: the map stays in least-recently-used order.
      this.trees.delete(origin)
      this.trees.set(origin, tree)
      tree.lastUsedMs = nowMs
    }
    this.catchUp(tree)
    return tree
  }

  /** The shared tree's eager set as a list in its order: the last one made while it still matches. */
  private sharedEagerSnapshot(): readonly PeerId[] {
    const list = this.sharedEagerList
    if (list.length === this.eager.size) {
      let at = 0
      let same = true
      for (const peer of this.eager) {
        if (list[at++] !== peer) {
          same = false
          break
        }
      }
      if (same) return list
    }
    this.sharedEagerList = [...this.eager]
    return this.sharedEagerList
  }

  /** Eager neighbors of `tree` (the shared tree's for `undefined`). */
  eagerOf(tree: OriginTree | undefined): Iterable<PeerId> {
    return tree === undefined ? this.eager : tree.eager
  }

  /** Lazy neighbors of `tree` (the shared tree's for `undefined`). */
  lazyOf(tree: OriginTree | undefined): PeerId[] {
    if (tree === undefined) return [...this.lazy]
    const lazy: PeerId[] = []
    for (const peer of this.upEpoch.keys()) if (!tree.eager.includes(peer)) lazy.push(peer)
    return lazy
  }

  isLazy(tree: OriginTree | undefined, peer: PeerId): boolean {
    if (tree === undefined) return this.lazy.has(peer)
    return this.isActive(peer) && !tree.eager.includes(peer)
  }

  /**
   * Makes the link to active neighbor `peer` eager in `tree`, and in the shared tree
   * while `tree` is young (or `undefined`).
   */
  setEager(tree: OriginTree | undefined, peer: PeerId, nowMs: number): void {
    if (!this.isActive(peer)) return
    if (tree === undefined || (this.mirrors(tree) && (this.quietMs === 0 || this.eager.size === 0))) {
      this.pendingShared.delete(peer)
      this.lazy.delete(peer)
      this.eager.add(peer)
    } else if (this.mirrors(tree)) {
      this.defer(tree.origin, peer, true, nowMs)
    }
    if (tree !== undefined && !tree.eager.includes(peer)) tree.eager = appended(tree.eager, peer)
  }

  /**
   * Makes the link to active neighbor `peer` lazy in `tree`, and in the shared tree
   * while `tree` is young (or `undefined`); for a young tree, once no other origin's
   * first message comes within `quietMs` of `nowMs`.
   */
  setLazy(tree: OriginTree | undefined, peer: PeerId, nowMs: number): void {
    if (!this.isActive(peer)) return
    if (tree === undefined || (this.mirrors(tree) && this.quietMs === 0)) {
      this.eager.delete(peer)
      this.lazy.add(peer)
    } else if (this.mirrors(tree)) {
      this.defer(tree.origin, peer, false, nowMs)
    }
    if (tree === undefined) return
    tree.eager = kept(tree.eager, (p) => p !== peer)
  }

  /** Forgets origins not used for `idleMs` (the map is in last-use order). */
  expire(nowMs: number): void {
    for (const [origin, tree] of this.trees) {
      if (tree.lastUsedMs + this.idleMs > nowMs) break
      this.trees.delete(origin)
    }
  }

  /**
   * Is `tree` directed (an origin's own tree past its first message)? Its eager peers are
   * the ones this node pushes that origin's messages to: a parent is not among them, and
   * a duplicate does not cut the link back. The shared tree and a young tree serve every
   * origin and stay symmetric, as in the paper.
   */
  directed(tree: OriginTree | undefined): boolean {
    return !this.mirrors(tree)
  }

  /** Do changes to `tree` also go to the shared tree? While it has carried one message. */
  private mirrors(tree: OriginTree | undefined): boolean {
    return tree === undefined || tree.messages <= 1
  }

  /**
   * Message `id` of `tree`'s origin was seen at `nowMs`: counted, and remembered among
   * the origin's latest. Its first one drops the pending shared-tree changes of other
   * origins' first messages from the last `quietMs`.
   */
  counted(tree: OriginTree | undefined, id: MessageId, nowMs: number): void {
    if (tree === undefined) return
    tree.messages++
    tree.recent = appended(tree.recent.length < MAX_GRAFT_HAVE_IDS ? tree.recent : tree.recent.slice(1), id)
    // Directed from now on: the parent of the first message is upstream, not pushed to.
    const parent = tree.parent
    if (tree.messages === 2 && parent !== undefined) tree.eager = kept(tree.eager, (p) => p !== parent)
    if (tree.messages !== 1 || this.quietMs === 0) return
    for (const [peer, pending] of this.pendingShared) {
      if (pending.origin !== tree.origin && pending.atMs >= nowMs - this.quietMs) this.pendingShared.delete(peer)
    }
    if (this.latestFirst !== undefined && this.latestFirst.origin !== tree.origin) this.latestOtherFirst = this.latestFirst
    this.latestFirst = { origin: tree.origin, atMs: nowMs }
  }

  /** Holds a young tree's change of the link to `peer` back from the shared tree until quiet. */
  private defer(origin: PeerId, peer: PeerId, eager: boolean, nowMs: number): void {
    if (this.otherFirstSince(origin, nowMs - this.quietMs)) this.pendingShared.delete(peer)
    else {
      this.pendingShared.set(peer, { origin, eager, atMs: nowMs })
      if (nowMs < this.pendingSinceMs) this.pendingSinceMs = nowMs
    }
  }

  /** Was a first message of an origin other than `origin` seen at or after `sinceMs`? */
  private otherFirstSince(origin: PeerId, sinceMs: number): boolean {
    for (const first of [this.latestFirst, this.latestOtherFirst]) {
      if (first !== undefined && first.origin !== origin && first.atMs >= sinceMs) return true
    }
    return false
  }

  /** Applies the pending shared-tree changes that stayed quiet for `quietMs`. */
  settle(nowMs: number): void {
    if (this.pendingShared.size === 0 || this.pendingSinceMs + this.quietMs > nowMs) return
    this.pendingSinceMs = Number.POSITIVE_INFINITY
    for (const [peer, pending] of this.pendingShared) {
      if (pending.atMs + this.quietMs > nowMs) {
        if (pending.atMs < this.pendingSinceMs) this.pendingSinceMs = pending.atMs
        continue
      }
      this.pendingShared.delete(peer)
      if (!this.isActive(peer)) continue
      if (pending.eager) {
        this.lazy.delete(peer)
        this.eager.add(peer)
      } else {
        this.eager.delete(peer)
        this.lazy.add(peer)
      }
    }
  }

  /** Shared-tree changes waiting for quiet (for tests and metrics; capped by the active view). */
  get pendingSharedChanges(): number {
    return this.pendingShared.size
  }

  /** Eager neighbors of `origin`'s tree as it would be used now, without touching it. */
  eagerFor(origin: PeerId): PeerId[] {
    const tree = this.trees.get(origin)
    if (tree === undefined) return [...this.eager]
    this.catchUp(tree)
    return [...tree.eager]
  }

  /** The sequence number of the PRUNE that stopped `peer` in `tree`, if it is stopped. */
  stoppedAt(tree: OriginTree, peer: PeerId): number | undefined {
    return tree.stopped.find((stop) => stop.peer === peer)?.seq
  }

  /** `peer` was told (PRUNE number `seq`) to stop pushing `tree`'s origin's messages. */
  stop(tree: OriginTree, peer: PeerId, seq: number): void {
    tree.stopped = appended(
      kept(tree.stopped, (stop) => stop.peer !== peer),
      { peer, seq },
    )
  }

  /** `peer` pushes `tree`'s origin's messages to us again (it was grafted). */
  unstop(tree: OriginTree, peer: PeerId): void {
    if (tree.stopped.length > 0) tree.stopped = kept(tree.stopped, (stop) => stop.peer !== peer)
  }

  /** `peer` grafted (`adopted` true) or pruned us in `tree`. */
  adopt(tree: OriginTree | undefined, peer: PeerId, adopted: boolean): void {
    if (tree === undefined) return
    const has = tree.adopted.includes(peer)
    if (adopted && !has) tree.adopted = appended(tree.adopted, peer)
    else if (!adopted && has) tree.adopted = kept(tree.adopted, (p) => p !== peer)
  }

  /** Tracked origins, least recently used first (for tests and metrics). */
  origins(): PeerId[] {
    return [...this.trees.keys()]
  }

  /**
   * Drops peers no longer active or re-linked since the tree's epoch, and gives
   * neighbors that came up since then the shared tree's state.
   */
  private catchUp(tree: OriginTree): void {
    if (tree.epoch === this.epoch) return
    const since = tree.epoch
    const linkedBefore = (peer: PeerId): boolean => (this.upEpoch.get(peer) ?? Number.POSITIVE_INFINITY) <= since
    tree.eager = kept(tree.eager, linkedBefore)
    if (tree.stopped.length > 0) tree.stopped = kept(tree.stopped, (stop) => linkedBefore(stop.peer))
    if (tree.adopted.length > 0) tree.adopted = kept(tree.adopted, linkedBefore)
    if (tree.parent !== undefined && !linkedBefore(tree.parent)) tree.parent = undefined
    for (const peer of this.eager) {
      if ((this.upEpoch.get(peer) as number) > since) tree.eager = appended(tree.eager, peer)
    }
    tree.epoch = this.epoch
  }
}
