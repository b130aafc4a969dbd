/**
 * S4 (mass crash, HyParView repair on) and S5 (Plumtree after the crash) of
 * docs/method.md.
 *
 * S4: after an S1 bootstrap and 10 warm-up broadcasts, X % of the nodes crash at once
 * (at t0). Broadcast k goes out from a random survivor at t0 + k rounds and is measured
 * one round later, just before the next one: its reliability is the share of survivors
 * that delivered it by then. Broadcast 0 is "the first broadcast after the crash".
 *
 * S5: the same crash, then one fixed surviving sender broadcasts one message after
 * another (each waits until every survivor has it, at most 5 s, plus 500 ms): no
 * survivor delivers twice, GRAFTs stay bounded and RMR falls back to the steady-state
 * level within 5 broadcasts.
 */
import { resolveConfig } from '../../src/gossip/proto/config.js'
import { METHOD_FLOOR, noRepairFloor, pickDistinct, reachWithoutRepair } from './floor.js'
import { overlaySummary, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { membershipRoundMs } from '../../src/gossip/sim/rounds.js'
import { PAYLOAD, bootstrapNetwork, broadcastPhase, check, replayCommand, type Check, type ScenarioOptions } from './scenarios.js'
import type { Simulation } from '../../src/gossip/sim/simulation.js'

/** Options of one S4 mass-crash run. */
export interface CrashOptions extends ScenarioOptions {
  /** Share of nodes that crash at once, in percent. */
  failPercent: number
  /** Broadcasts after the crash, one per membership round. @default 6 */
  rounds?: number
}

/** Measurements and checks of one S4 mass-crash run. */
export interface CrashResult {
  /** Always `s4`. */
  scenario: 's4'
  /** Swarm size before the crash. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Share of nodes that crashed, in percent. */
  failPercent: number
  /** Nodes still alive after the crash. */
  survivors: number
  /** Length of one membership round in ms (the repair interval, 5 s by default). */
  roundMs: number
  /** The method's no-repair floor for this failure rate (computed where the table has none). */
  floor: number
  /** Share of survivors reachable over the active views as they were at the crash. */
  reachWithoutRepair: number
  /** Reliability of the first broadcast after the crash, one round after it was sent. */
  firstBroadcast: number
  /** Reliability of broadcast k (sent k rounds after the crash), measured one round later. */
  perRound: number[]
  /** First k whose broadcast reached every survivor; null if none did. */
  roundsTo100: number | null
  /** GRAFT messages sent during each round. */
  graftsPerRound: number[]
  /** Repeated deliveries to the same node over all the broadcasts (should be 0). */
  duplicateDeliveries: number
  /** Overlay shape of the survivors at the end of the run. */
  overlay: OverlaySummary
  /** Virtual time at the end of the run, in ms. */
  virtualMs: number
  /** Protocol events handled by all nodes. */
  steps: number
  /** The scenario's criteria and whether each held. */
  checks: Check[]
  /** The command that replays this run (`crashReplay`). */
  replay: string
}

export function crashReplay(nodes: number, seed: number, failPercent: number): string {
  return replayCommand('crash', nodes, seed, ` --fail ${failPercent}`)
}

/** The floor S4 must beat: the method's table where it has the rate, else computed. */
export function floorFor(failPercent: number): number {
  return METHOD_FLOOR[failPercent] ?? noRepairFloor(failPercent)
}

/** Bootstraps, warms up and crashes `failPercent` % of the nodes; returns the survivors. */
export function crashNetwork(sim: Simulation, failPercent: number): number[] {
  const n = sim.nodes.length
  const victims = pickDistinct(sim.random, n, Math.round((n * failPercent) / 100))
  for (const index of victims) sim.crash(index)
  const survivors: number[] = []
  for (const node of sim.nodes) if (node.alive) survivors.push(node.index)
  return survivors
}

/**
 * Steady state before a fault: an S1 bootstrap, three shuffle periods (passive views
 * fill up: 14 of 30 entries right after the bootstrap, 29 after three periods at 1,000
 * nodes), then 10 warm-up broadcasts from random senders so the tree has formed.
 */
export function steadyNetwork(options: ScenarioOptions, scenario: string, replay: string): Simulation {
  const sim = bootstrapNetwork(options, scenario, replay)
  sim.runFor(3 * resolveConfig(options.config).membership.shuffleIntervalMs)
  broadcastPhase(sim, 10, () => sim.random.int(options.nodes))
  return sim
}

/** S4: mass crash of `failPercent` %, then one broadcast per membership round. */
export function runMassCrash(options: CrashOptions): CrashResult {
  const sim = steadyNetwork(options, 's4', crashReplay(options.nodes, options.seed, options.failPercent))
  const roundMs = membershipRoundMs(options.config)
  const rounds = options.rounds ?? 6
  const survivors = crashNetwork(sim, options.failPercent)
  const t0 = sim.nowMs
  const firstSender = survivors[sim.random.int(survivors.length)] as number
  const staticReach = reachWithoutRepair(sim.nodes, firstSender)

  const perRound: number[] = []
  const graftsPerRound: number[] = []
  let duplicates = 0
  for (let k = 0; k < rounds; k++) {
    const sender = k === 0 ? firstSender : (survivors[sim.random.int(survivors.length)] as number)
    const graftsBefore = sim.sentByType.get('graft') ?? 0
    const id = sim.broadcast(sender, PAYLOAD)
    sim.runUntil(t0 + (k + 1) * roundMs)
    const record = sim.log.get(id)
    perRound.push(record === undefined ? 0 : record.reliability(sim.nodes))
    duplicates += record?.duplicateDeliveries ?? 0
    graftsPerRound.push((sim.sentByType.get('graft') ?? 0) - graftsBefore)
  }
  const firstFull = perRound.findIndex((r) => r === 1)
  const roundsTo100 = firstFull < 0 ? null : firstFull
  const floor = floorFor(options.failPercent)
  const overlay = overlaySummary(sim.nodes)
  const first = perRound[0] ?? 0
  const checks: Check[] = [
    check(
      'first broadcast at least the no-repair floor',
      first >= floor,
      `first ${first.toFixed(4)}, floor ${floor}, static reach ${staticReach.toFixed(4)}`,
    ),
    check('no duplicate deliveries', duplicates === 0, `${duplicates}`),
  ]
  const within3 = perRound.slice(0, 4)
  if (options.failPercent <= 80) {
    checks.push(
      check(
        '100 % within 3 membership rounds',
        roundsTo100 !== null && roundsTo100 <= 3 && perRound.slice(roundsTo100).every((r) => r === 1),
        `per round ${perRound.map((r) => r.toFixed(4)).join(' ')}`,
      ),
    )
  } else {
    checks.push(
      check(
        '>= 90 % within 3 membership rounds',
        within3.some((r) => r >= 0.9),
        `per round ${perRound.map((r) => r.toFixed(4)).join(' ')}`,
      ),
    )
  }
  return {
    scenario: 's4',
    nodes: options.nodes,
    seed: options.seed,
    failPercent: options.failPercent,
    survivors: survivors.length,
    roundMs,
    floor,
    reachWithoutRepair: staticReach,
    firstBroadcast: first,
    perRound,
    roundsTo100,
    graftsPerRound,
    duplicateDeliveries: duplicates,
    overlay,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: crashReplay(options.nodes, options.seed, options.failPercent),
  }
}
