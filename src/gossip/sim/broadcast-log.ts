/**
 * Per-broadcast bookkeeping of a simulation run: who delivered each broadcast, when,
 * after how many hops and at what cost. The simulation writes it; metrics.ts reads it.
 */
import type { MessageId } from '../proto/types.js'

/** What a record needs of a simulated node. */
export interface LiveNode {
  /** The node's index in the simulation. */
  readonly index: number
  /** False once crashed or departed. */
  readonly alive: boolean
}

/** What happened to one broadcast: who delivered it, when, after how many hops, at what cost. */
export class BroadcastRecord {
  /** 1 where the node delivered (the origin counts as delivered). */
  readonly deliveredAt: Uint8Array
  /** Nodes that delivered, the origin included (so it starts at 1). */
  deliveredCount = 1
  /** Deliveries to a node that had already delivered (should stay 0). */
  duplicateDeliveries = 0
  /** GOSSIP messages sent carrying this broadcast (the RMR numerator). */
  payloadSent = 0
  /** Largest hop count of a delivery: the LDH. */
  maxHops = 0
  /** Virtual time of the last delivery in ms (`startMs` until someone delivers). */
  lastDeliveryMs: number
  /** Per delivery (origin excluded), virtual ms from the broadcast to that delivery. */
  readonly latenciesMs: number[] = []

  constructor(
    /** The broadcast's message id. */
    readonly id: MessageId,
    /** Index of the node that broadcast it. */
    readonly origin: number,
    /** Virtual time of the broadcast in ms. */
    readonly startMs: number,
    nodeCount: number,
  ) {
    this.deliveredAt = new Uint8Array(nodeCount)
    this.deliveredAt[origin] = 1
    this.lastDeliveryMs = startMs
  }

  /** Every live node has delivered. */
  complete(nodes: readonly LiveNode[], liveCount: number): boolean {
    // Cheap reject first: deliveries (dead nodes included) cannot cover the live nodes.
    if (this.deliveredCount < liveCount) return false
    for (const node of nodes) if (node.alive && this.deliveredAt[node.index] !== 1) return false
    return true
  }

  /** Share of live nodes that delivered. */
  reliability(nodes: readonly LiveNode[]): number {
    let live = 0
    let delivered = 0
    for (const node of nodes) {
      if (!node.alive) continue
      live++
      if (this.deliveredAt[node.index] === 1) delivered++
    }
    return live === 0 ? 1 : delivered / live
  }

  /** Relative message redundancy: payloadSent / (deliveredCount - 1) - 1; 0 when nobody else delivered. */
  rmr(): number {
    if (this.deliveredCount <= 1) return 0
    return this.payloadSent / (this.deliveredCount - 1) - 1
  }
}

/** The simulation's `BroadcastRecord`s, by message id. */
export class BroadcastLog {
  private readonly records = new Map<MessageId, BroadcastRecord>()

  /** Opens the record of broadcast `id` from `origin` at `nowMs`, sized for `nodeCount` nodes. */
  start(id: MessageId, origin: number, nowMs: number, _liveCount: number, nodeCount: number): void {
    this.records.set(id, new BroadcastRecord(id, origin, nowMs, nodeCount))
  }

  /** The record of broadcast `id`, if it was started here. */
  get(id: MessageId): BroadcastRecord | undefined {
    return this.records.get(id)
  }

  /** Records that `node` delivered `id` at `nowMs` after `hops` hops (a repeat counts as a duplicate). */
  delivered(id: MessageId, node: number, nowMs: number, hops: number): void {
    const record = this.records.get(id)
    if (record === undefined) return
    if (node >= record.deliveredAt.length) return
    if (record.deliveredAt[node] === 1) {
      record.duplicateDeliveries++
      return
    }
    record.deliveredAt[node] = 1
    record.deliveredCount++
    record.latenciesMs.push(nowMs - record.startMs)
    if (hops > record.maxHops) record.maxHops = hops
    record.lastDeliveryMs = nowMs
  }

  /** Counts one GOSSIP send carrying `id`. */
  payloadSent(id: MessageId): void {
    const record = this.records.get(id)
    if (record !== undefined) record.payloadSent++
  }
}
