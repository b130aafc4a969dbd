/**
 * Concurrent broadcasts in simulation: what happens to Plumtree's eager tree when
 * messages from random senders overlap (the fan-out bench's burst phase, without CPU).
 *
 *   npx tsx bench/sim-burst.ts --nodes 50 --interval-ms 5 --messages 200 --seed 1
 *
 * Bootstraps an S1 overlay, sends 20 sequential warm-up broadcasts, then `--messages`
 * broadcasts from random senders `--interval-ms` apart, and waits (at most 20 s of
 * virtual time) until each reached every node. Prints one JSON object: eager links and
 * nodes without an eager link before and after, fan-out latency (last delivery) p50 /
 * p99, GRAFTs and PRUNEs. Bounded by the simulation itself.
 */
import { Command, InvalidArgumentError } from 'commander'
import { bootstrapNetwork } from '../src/gossip/sim/scenarios.js'
import { SIM_TOPIC, type Simulation } from '../src/gossip/sim/index.js'

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}

const options = new Command('sim-burst')
  .option('--nodes <n>', 'swarm size', positiveInt, 50)
  .option('--interval-ms <ms>', 'virtual time between two broadcasts', positiveInt, 5)
  .option('--messages <n>', 'broadcasts in the burst', positiveInt, 200)
  .option('--seed <s>', 'seed', positiveInt, 1)
  .parse()
  .opts<{ nodes: number; intervalMs: number; messages: number; seed: number }>()

const PAYLOAD = new Uint8Array(256)

function eagerTree(sim: Simulation): { eagerLinks: number; nodesWithoutEager: number } {
  let ends = 0
  let nodesWithoutEager = 0
  for (const node of sim.nodes) {
    const eager = node.state.topic(SIM_TOPIC)?.broadcast.eager.size ?? 0
    ends += eager
    if (eager === 0) nodesWithoutEager++
  }
  return { eagerLinks: ends / 2, nodesWithoutEager }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

const sim = bootstrapNetwork({ nodes: options.nodes, seed: options.seed, checkInvariants: false }, 's1')
for (let i = 0; i < 20; i++) {
  const id = sim.broadcast(sim.random.int(options.nodes), PAYLOAD)
  sim.runUntilDelivered(5_000, [id])
  sim.runFor(500)
}
const before = eagerTree(sim)
const graftsBefore = sim.sentByType.get('graft') ?? 0
const prunesBefore = sim.sentByType.get('prune') ?? 0
const ids: string[] = []
for (let i = 0; i < options.messages; i++) {
  ids.push(sim.broadcast(sim.random.int(options.nodes), PAYLOAD))
  sim.runFor(options.intervalMs)
}
const delivered = sim.runUntilDelivered(20_000, ids)
const fanoutMs = ids
  .map((id) => sim.log.get(id)?.latenciesMs ?? [])
  .map((latencies) => latencies.reduce((a, b) => Math.max(a, b), 0))
  .sort((a, b) => a - b)
console.log(
  JSON.stringify({
    bench: 'sim-burst-v1',
    config: options,
    delivered,
    before,
    after: eagerTree(sim),
    fanoutLatencyMs: { p50: percentile(fanoutMs, 0.5), p99: percentile(fanoutMs, 0.99) },
    grafts: (sim.sentByType.get('graft') ?? 0) - graftsBefore,
    prunes: (sim.sentByType.get('prune') ?? 0) - prunesBefore,
  }),
)
