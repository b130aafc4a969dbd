/**
 * Which peers found by mDNS a topic joins through, and when.
 *
 * A JOIN is meant for a node with no neighbors: its contact takes it into a full active
 * view by evicting a member, and forwards it to every neighbor, whose random walks end
 * in HIGH-priority neighbor requests that evict again. When every node of a LAN joined
 * through every node it discovered (12 hosts: 132 JOINs in a second or two), neighbor
 * views churned: about 10 neighbor-down events per host before settling. So, per topic:
 *
 * - a topic without neighbors joins through ONE remembered peer at a time: the one with
 *   the next smaller id than ours, after a short collection window (`collectMs`) so the
 *   choice sees more than the first answer. Each node pointing at a smaller id leaves
 *   no cycle of nodes that only joined each other, and the next smaller id (rather than
 *   a random smaller one) spreads the JOINs: no contact gets more than a few, so few
 *   full views have to evict. If no neighbor came
 *   `retryMs` later, the next one is tried, and from the second attempt on larger ids
 *   too (the smaller ones may be gone);
 * - a topic with neighbors joins through nobody, with one exception, once per topic:
 *   when none of its neighbors has an id smaller than ours but a discovered peer has,
 *   it joins through one such peer (it may have been joined by larger peers before it
 *   chose). So the smallest id of every group of linked nodes reaches further down,
 *   and nodes that discover one another end up in one swarm, at a cost of at most one
 *   JOIN per node;
 * - the check runs again at every discovery and whenever the neighbors change.
 *
 * Two swarms that were formed apart (each node with neighbors already) do not merge
 * through mDNS: that would take JOINs from full views, the very churn above.
 *
 * Capacity: `maxCandidates` remembered peers per topic (oldest forgotten first).
 */
import type { NodeAddr } from '../../ticket/node-addr.js'
import type { Clock } from './virtual-clock.js'
import type { Rng } from '../proto/rng.js'

/** Defaults of {@link DiscoveryJoins}. */
export const DISCOVERY_JOIN_DEFAULTS = {
  /** Wait after the first discovery before choosing, ms. */
  collectMs: 500,
  /** Wait for a neighbor after a JOIN before trying the next peer, ms. */
  retryMs: 2_000,
  /** Peers remembered per topic. */
  maxCandidates: 64,
} as const

/** What the joins act on: the topic's neighbor count and its JOIN command. */
export interface DiscoveryJoinTarget {
  readonly selfId: string
  neighbors(): readonly string[]
  join(peer: NodeAddr): void
}

export class DiscoveryJoins {
  /** Remembered peers by id, least recently discovered first. */
  private readonly candidates = new Map<string, NodeAddr>()
  private readonly tried = new Set<string>()
  private attempts = 0
  /** The one join made while having neighbors (toward a smaller id) was made. */
  private downwardDone = false
  private timer: unknown
  private closed = false

  constructor(
    private readonly target: DiscoveryJoinTarget,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly options: typeof DISCOVERY_JOIN_DEFAULTS = DISCOVERY_JOIN_DEFAULTS,
  ) {}

  /** A peer in this topic was announced on the LAN. */
  discovered(peer: NodeAddr): void {
    if (this.closed || peer.id === this.target.selfId) return
    this.candidates.delete(peer.id)
    this.candidates.set(peer.id, peer)
    if (this.candidates.size > this.options.maxCandidates) this.candidates.delete(this.candidates.keys().next().value as string)
    this.schedule(this.options.collectMs)
  }

  /** The topic's neighbors changed: look again whether to join through someone. */
  neighborsChanged(): void {
    if (this.target.neighbors().length > 0) {
      this.attempts = 0
      this.tried.clear()
    }
    this.schedule(this.options.collectMs)
  }

  /** Stops the timer. Idempotent. */
  close(): void {
    this.closed = true
    if (this.timer !== undefined) this.clock.clearTimer(this.timer)
    this.timer = undefined
  }

  /** True if a join may be due: no neighbor, or the one downward join still open. */
  private mayJoin(): boolean {
    const neighbors = this.target.neighbors()
    if (neighbors.length === 0) return true
    return !this.downwardDone && !neighbors.some((n) => n < this.target.selfId)
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer !== undefined || !this.mayJoin()) return
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined
      this.tryJoin()
    }, delayMs)
  }

  private tryJoin(): void {
    if (this.closed || !this.mayJoin()) return
    if (this.target.neighbors().length > 0) {
      // The one join toward a smaller id while having neighbors.
      const peer = nextSmaller([...this.candidates.values()], this.target.selfId)
      if (peer === undefined) return
      this.downwardDone = true
      this.target.join(peer)
      return
    }
    const untried = [...this.candidates.values()].filter((p) => !this.tried.has(p.id))
    // First the next smaller id; later attempts take anyone.
    const peer = this.attempts === 0 ? nextSmaller(untried, this.target.selfId) : untried.length === 0 ? undefined : untried[this.rng.int(untried.length)]
    if (peer === undefined) {
      if (this.attempts === 0 && untried.length > 0) {
        // Only larger ids known: wait to be joined, then try them.
        this.attempts++
        this.schedule(this.options.retryMs)
      } else if (untried.length === 0 && this.tried.size > 0) {
        // Everyone tried once: start over after a while.
        this.tried.clear()
        this.schedule(this.options.retryMs)
      }
      return
    }
    this.attempts++
    this.tried.add(peer.id)
    this.target.join(peer)
    this.schedule(this.options.retryMs)
  }
}

/** The peer with the largest id below `selfId`, if any. */
function nextSmaller(peers: readonly NodeAddr[], selfId: string): NodeAddr | undefined {
  let best: NodeAddr | undefined
  for (const p of peers) if (p.id < selfId && (best === undefined || p.id > best.id)) best = p
  return best
}
