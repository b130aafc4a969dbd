/**
 * Which peers found by mDNS a topic joins through, and when.
 *
 * A JOIN is meant for a node with no neighbors: its contact takes it into a full active
 * view by evicting a member, and forwards it to every neighbor, whose random walks end
 * in HIGH-priority neighbor requests that evict again. When every node of a LAN joined
 * through every node it discovered (12 hosts: 132 JOINs in a second or two), neighbor
 * views churned: about 10 neighbor-down events per host before settling. So, per topic:
 *
 * - a topic that has a neighbor joins through nobody: discovered peers are only
 *   remembered (their addresses are in the node's address book);
 * - a topic without neighbors joins through ONE remembered peer at a time, chosen at
 *   random among those whose id is smaller than ours, after a short collection window
 *   (`collectMs`) so the choice sees more than the first answer. Every node pointing at
 *   a smaller id leaves no cycle of nodes that only joined each other: nodes that
 *   discover one another end up in one swarm (the smallest waits to be joined). If no
 *   neighbor came `retryMs` later, the next one is tried, and from the second attempt on
 *   larger ids too (the smaller ones may be gone);
 * - the check runs again whenever the topic loses its last neighbor.
 *
 * Two swarms that were formed apart (each node with neighbors already) do not merge
 * through mDNS: that would take JOINs from full views, the very churn above.
 *
 * Capacity: `maxCandidates` remembered peers per topic (oldest forgotten first).
 */
import type { NodeAddr } from '../ticket/node-addr.js'
import type { Clock } from './driver/clock.js'
import type { Rng } from './proto/rng.js'

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
  neighborCount(): number
  join(peer: NodeAddr): void
}

export class DiscoveryJoins {
  /** Remembered peers by id, least recently discovered first. */
  private readonly candidates = new Map<string, NodeAddr>()
  private readonly tried = new Set<string>()
  private attempts = 0
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

  /** The topic's neighbors changed: with none left, look for a peer to join through. */
  neighborsChanged(): void {
    if (this.target.neighborCount() > 0) {
      this.attempts = 0
      this.tried.clear()
      return
    }
    this.schedule(this.options.collectMs)
  }

  /** Stops the timer. Idempotent. */
  close(): void {
    this.closed = true
    if (this.timer !== undefined) this.clock.clearTimer(this.timer)
    this.timer = undefined
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer !== undefined || this.target.neighborCount() > 0) return
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined
      this.tryJoin()
    }, delayMs)
  }

  private tryJoin(): void {
    if (this.closed || this.target.neighborCount() > 0) return
    const untried = [...this.candidates.values()].filter((p) => !this.tried.has(p.id))
    // First choice among smaller ids only; later attempts take anyone.
    const pool = this.attempts === 0 ? untried.filter((p) => p.id < this.target.selfId) : untried
    const peer = pool.length === 0 ? undefined : pool[this.rng.int(pool.length)]
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
