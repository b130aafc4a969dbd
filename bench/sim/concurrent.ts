/**
 * Concurrent broadcasts: what happens to the broadcast trees when messages from several
 * senders overlap in time (a chat room where many people type at once, the fan-out
 * bench's burst phase without CPU effects).
 *
 * Bootstraps an S1 overlay, sends `warmup` sequential broadcasts from the senders, then
 * `messages` broadcasts `intervalMs` apart from senders picked at random among
 * `senders` (all nodes when `senders` is 0), and waits (at most 20 s of virtual time)
 * until each reached every node. Reports fan-out latency (last delivery per message),
 * RMR, GRAFTs and PRUNEs per broadcast, and how many (sender, node) pairs are left
 * without an eager link in that sender's tree.
 */
import type { ProtocolConfigInput } from '../../src/gossip/proto/config.js'
import type { MessageId } from '../../src/gossip/proto/types.js'
import { summarize } from '../../src/gossip/sim/metrics.js'
import { bootstrapNetwork } from './scenarios.js'
import { SIM_TOPIC, type Simulation } from '../../src/gossip/sim/simulation.js'

/** Two percentiles of a latency distribution, in ms. */
export interface Percentiles {
  /** Median. */
  p50: number
  /** 99th percentile. */
  p99: number
}

/** Parameters of {@link runConcurrentSenders}. */
export interface ConcurrentOptions {
  /** Swarm size. */
  nodes: number
  /** Seed of the simulation (one seed, one run). */
  seed: number
  /** Virtual time between two broadcasts of the measured phase. */
  intervalMs: number
  /** Broadcasts in the measured phase. */
  messages: number
  /** Distinct senders, picked at random among the nodes; 0 = any node may send. @default 0 */
  senders?: number
  /** Sequential broadcasts (1 s apart) from the same senders before the measured phase. @default 20 */
  warmup?: number
  /** Smallest link latency. @default 10 */
  minLatencyMs?: number
  /** Largest link latency. @default 50 */
  maxLatencyMs?: number
  /** Bytes per broadcast. @default 256 */
  payloadBytes?: number
  /** Protocol configuration for every node. */
  config?: ProtocolConfigInput
}

/** What {@link runConcurrentSenders} measured. */
export interface ConcurrentResult {
  /** Report format name. */
  bench: 'sim-concurrent-v1'
  /** The parameters of the run. */
  options: ConcurrentOptions
  /** Every message reached every node within 20 s of virtual time. */
  delivered: boolean
  /** Last-delivery latency per message, ms. */
  fanoutLatencyMs: Percentiles
  /** Latency of every delivery, ms. */
  deliveryLatencyMs: Percentiles
  /** Relative message redundancy of the measured broadcasts. */
  rmr: number
  /** Last-delivery hop, averaged over the measured broadcasts. */
  meanLdh: number
  /** GRAFT messages sent per measured broadcast. */
  graftsPerBroadcast: number
  /** PRUNE messages sent per measured broadcast. */
  prunesPerBroadcast: number
  /** (sender, node) pairs where no neighbor pushes that sender's messages to the node (no eager parent). */
  pairsWithoutEagerLink: number
  /** Most origins one node tracks with a tree of their own. */
  maxOriginTrees: number
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

/** Runs the concurrent-senders measurement; bounded by fixed counts and virtual durations. */
export function runConcurrentSenders(options: ConcurrentOptions): ConcurrentResult {
  const sim = bootstrapNetwork(
    {
      nodes: options.nodes,
      seed: options.seed,
      checkInvariants: false,
      ...(options.minLatencyMs === undefined ? {} : { minLatencyMs: options.minLatencyMs }),
      ...(options.maxLatencyMs === undefined ? {} : { maxLatencyMs: options.maxLatencyMs }),
      ...(options.config === undefined ? {} : { config: options.config }),
    },
    'sim-concurrent',
  )
  const payload = new Uint8Array(options.payloadBytes ?? 256)
  const senderCount = options.senders ?? 0
  const senders: number[] = []
  if (senderCount > 0) {
    const pool = sim.nodes.map((n) => n.index)
    for (let i = 0; i < senderCount && pool.length > 0; i++) {
      senders.push(pool.splice(sim.random.int(pool.length), 1)[0] as number)
    }
  }
  const pick = (): number => (senders.length > 0 ? (senders[sim.random.int(senders.length)] as number) : sim.random.int(options.nodes))

  for (let i = 0; i < (options.warmup ?? 20); i++) {
    const id = sim.broadcast(senders.length > 0 ? (senders[i % senders.length] as number) : pick(), payload)
    sim.runUntilDelivered(5_000, [id])
    sim.runFor(1_000)
  }
  const graftsBefore = sim.sentByType.get('graft') ?? 0
  const prunesBefore = sim.sentByType.get('prune') ?? 0
  const ids: MessageId[] = []
  const activeSenders = new Set<number>()
  for (let i = 0; i < options.messages; i++) {
    const sender = pick()
    activeSenders.add(sender)
    ids.push(sim.broadcast(sender, payload))
    sim.runFor(options.intervalMs)
  }
  const delivered = sim.runUntilDelivered(20_000, ids)
  sim.runFor(1_000)
  const records = ids.map((id) => sim.log.get(id)).filter((r) => r !== undefined)
  const fanout = records.map((r) => r.latenciesMs.reduce((a, b) => Math.max(a, b), 0)).sort((a, b) => a - b)
  const all = records.flatMap((r) => r.latenciesMs).sort((a, b) => a - b)
  const summary = summarize(records, sim.nodes)
  return {
    bench: 'sim-concurrent-v1',
    options,
    delivered,
    fanoutLatencyMs: { p50: percentile(fanout, 0.5), p99: percentile(fanout, 0.99) },
    deliveryLatencyMs: { p50: percentile(all, 0.5), p99: percentile(all, 0.99) },
    rmr: Number(summary.rmr.toFixed(4)),
    meanLdh: Number(summary.meanLdh.toFixed(2)),
    graftsPerBroadcast: ((sim.sentByType.get('graft') ?? 0) - graftsBefore) / options.messages,
    prunesPerBroadcast: ((sim.sentByType.get('prune') ?? 0) - prunesBefore) / options.messages,
    pairsWithoutEagerLink: pairsWithoutEagerLink(sim, activeSenders),
    maxOriginTrees: Math.max(...sim.nodes.map((n) => n.state.topic(SIM_TOPIC)?.broadcast.trees.size ?? 0)),
  }
}

function pairsWithoutEagerLink(sim: Simulation, senders: ReadonlySet<number>): number {
  let missing = 0
  for (const sender of senders) {
    const origin = sim.nodes[sender]?.id
    if (origin === undefined) continue
    for (const node of sim.nodes) {
      if (node.index === sender || !node.alive) continue
      const neighbors = node.state.topic(SIM_TOPIC)?.membership.active ?? new Set<string>()
      // An eager parent: a neighbor that pushes this sender's messages to the node.
      let parent = false
      for (const peer of neighbors) {
        const trees = sim.nodes[Number(peer)]?.state.topic(SIM_TOPIC)?.broadcast.trees
        if (trees !== undefined && trees.eagerFor(origin).includes(node.id)) parent = true
      }
      if (!parent) missing++
    }
  }
  return missing
}
