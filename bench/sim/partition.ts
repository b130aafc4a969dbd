/**
 * S10 of docs/method.md: partition into two halves for 60 s, then heal.
 *
 * From a steady state, every node goes to one of two sides at random (seeded); cross
 * links fail. One broadcast per membership round goes out from a random node during the
 * partition (it must reach every node of its own side). After the heal, broadcast k goes
 * out k rounds later from a random node and is measured one round after that: within 3
 * rounds the overlay must be one component and a broadcast must reach every node.
 * Nobody calls `join` after the heal: the nodes find each other by themselves.
 */
import { steadyNetwork } from './crash.js'
import { overlaySummary, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { membershipRoundMs } from '../../src/gossip/sim/rounds.js'
import { PAYLOAD, check, type Check, replayCommand, type ScenarioOptions } from './scenarios.js'

/** Options of one S10 partition-heal run. */
export interface PartitionOptions extends ScenarioOptions {
  /** How long the halves are apart. @default 60_000 */
  partitionMs?: number
  /** Broadcasts after the heal, one per membership round. @default 6 */
  rounds?: number
}

/** Measurements and checks of one S10 partition-heal run. */
export interface PartitionResult {
  /** Always `s10`. */
  scenario: 's10'
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** How long the halves were apart, in ms. */
  partitionMs: number
  /** Length of one membership round in ms (the repair interval, 5 s by default). */
  roundMs: number
  /** Worst share of its own side a broadcast reached during the partition. */
  sideReliabilityDuring: number
  /**
   * Worst share of all nodes that a broadcast sent during the partition reached by the
   * end of the run (`rounds` membership rounds after the heal).
   */
  splitReliabilityAfterHeal: number
  /** From the heal to the last delivery of a broadcast sent during the partition, in ms. */
  splitCaughtUpMs: number
  /** Components (of the whole overlay) just before the heal. */
  componentsBeforeHeal: number
  /** Components at each round boundary after the heal. */
  componentsPerRound: number[]
  /** Reliability of broadcast k (sent k rounds after the heal), measured one round later. */
  perRound: number[]
  /** First round after which the overlay was one component; null if never. */
  roundsToOneComponent: number | null
  /** First k whose broadcast (sent k rounds after the heal) reached every node; null if none did. */
  roundsTo100: number | null
  /** Overlay shape at the end of the run. */
  overlay: OverlaySummary
  /** Virtual time at the end of the run, in ms. */
  virtualMs: number
  /** Protocol events handled by all nodes. */
  steps: number
  /** The scenario's criteria and whether each held. */
  checks: Check[]
  /** The command that replays this run. */
  replay: string
}

export function partitionReplay(nodes: number, seed: number): string {
  return replayCommand('partition', nodes, seed)
}

/** S10: the nodes split into two random halves for `partitionMs`, then the partition heals. */
export function runPartitionHeal(options: PartitionOptions): PartitionResult {
  const sim = steadyNetwork(options, 's10', partitionReplay(options.nodes, options.seed))
  const roundMs = membershipRoundMs(options.config)
  const partitionMs = options.partitionMs ?? 60_000
  const rounds = options.rounds ?? 6
  const side = Uint8Array.from(sim.nodes, () => sim.random.int(2))
  sim.partition((index) => side[index] as number)

  const start = sim.nowMs
  let sideReliability = 1
  const splitIds: string[] = []
  for (let k = 0; (k + 1) * roundMs <= partitionMs; k++) {
    const sender = sim.random.int(sim.nodes.length)
    const id = sim.broadcast(sender, PAYLOAD)
    splitIds.push(id)
    sim.runUntil(start + (k + 1) * roundMs)
    const record = sim.log.get(id)
    let mine = 0
    let got = 0
    for (const node of sim.nodes) {
      if (side[node.index] !== side[sender]) continue
      mine++
      if (record?.deliveredAt[node.index] === 1) got++
    }
    sideReliability = Math.min(sideReliability, got / mine)
  }
  sim.runUntil(start + partitionMs)
  const componentsBeforeHeal = overlaySummary(sim.nodes).components
  sim.heal()

  const healedAt = sim.nowMs
  const perRound: number[] = []
  const componentsPerRound: number[] = []
  for (let k = 0; k < rounds; k++) {
    const id = sim.broadcast(sim.random.int(sim.nodes.length), PAYLOAD)
    sim.runUntil(healedAt + (k + 1) * roundMs)
    perRound.push(sim.log.get(id)?.reliability(sim.nodes) ?? 0)
    componentsPerRound.push(overlaySummary(sim.nodes).components)
  }
  let splitReliabilityAfterHeal = 1
  let splitCaughtUpMs = 0
  for (const id of splitIds) {
    const record = sim.log.get(id)
    splitReliabilityAfterHeal = Math.min(splitReliabilityAfterHeal, record?.reliability(sim.nodes) ?? 0)
    splitCaughtUpMs = Math.max(splitCaughtUpMs, (record?.lastDeliveryMs ?? healedAt) - healedAt)
  }
  const firstFull = perRound.findIndex((r) => r === 1)
  const roundsTo100 = firstFull < 0 ? null : firstFull
  const firstOne = componentsPerRound.findIndex((c) => c === 1)
  const roundsToOneComponent = firstOne < 0 ? null : firstOne + 1
  const overlay = overlaySummary(sim.nodes)
  const checks: Check[] = [
    check('each side keeps broadcasting during the partition', sideReliability === 1, `worst side reliability ${sideReliability}`),
    check(
      'one component within 3 rounds of the heal, and it stays',
      roundsToOneComponent !== null && roundsToOneComponent <= 3 && componentsPerRound.slice(roundsToOneComponent - 1).every((c) => c === 1),
      `components per round ${componentsPerRound.join(' ')} (before heal ${componentsBeforeHeal})`,
    ),
    check(
      'every broadcast sent during the partition reaches every node within 3 rounds of the heal',
      splitReliabilityAfterHeal === 1 && splitCaughtUpMs <= 3 * roundMs,
      `worst reliability ${splitReliabilityAfterHeal}, last delivery ${splitCaughtUpMs} ms after the heal`,
    ),
    check(
      '100 % reliability within 3 rounds of the heal, and it stays',
      roundsTo100 !== null && roundsTo100 <= 3 && perRound.slice(roundsTo100).every((r) => r === 1),
      `per round ${perRound.map((r) => r.toFixed(4)).join(' ')}`,
    ),
  ]
  return {
    scenario: 's10',
    nodes: options.nodes,
    seed: options.seed,
    partitionMs,
    roundMs,
    sideReliabilityDuring: sideReliability,
    splitReliabilityAfterHeal,
    splitCaughtUpMs,
    componentsBeforeHeal,
    componentsPerRound,
    perRound,
    roundsToOneComponent,
    roundsTo100,
    overlay,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: partitionReplay(options.nodes, options.seed),
  }
}
