/**
 * S5 of docs/method.md: Plumtree after a mass crash.
 *
 * From a steady state in which one node has been the only sender (so the tree is its
 * tree), X % of the other nodes crash at once; the sender then broadcasts one message
 * after another, each waiting until every survivor has it (at most 5 s) plus 500 ms.
 * No survivor may deliver a message twice, the GRAFTs per broadcast must stay bounded
 * (at most two per survivor; announcers are tried one at a time, and one GRAFT per
 * survivor is what re-attaching every survivor to a new parent costs), and the
 * RMR must fall back to the steady-state level (<= 0.05) within 5 broadcasts and stay
 * there.
 */
import { resolveConfig } from '../../src/gossip/proto/config.js'
import { pickDistinct } from './floor.js'
import { PAYLOAD, bootstrapNetwork, broadcastPhase, check, replayCommand, type Check, type ScenarioOptions } from './scenarios.js'

/** Options of one S5 tree-repair run. */
export interface TreeRepairOptions extends ScenarioOptions {
  /** Share of the other nodes that crash at once, in percent. @default 50 */
  failPercent?: number
  /** Broadcasts after the crash. @default 10 */
  broadcasts?: number
}

/** Figures of one broadcast after the crash. */
export interface TreeRepairBroadcast {
  /** Share of survivors that delivered it. */
  reliability: number
  /** Its relative message redundancy. */
  rmr: number
  /** GRAFT messages sent while it spread (and in the 500 ms after). */
  grafts: number
  /** Repeated deliveries to the same node (must be 0). */
  duplicateDeliveries: number
}

/** Measurements and checks of one S5 tree-repair run. */
export interface TreeRepairResult {
  /** Always `s5`. */
  scenario: 's5'
  /** Swarm size before the crash. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Share of the nodes (the sender spared) that crashed, in percent. */
  failPercent: number
  /** Nodes alive after the crash, the sender included. */
  survivors: number
  /** RMR of the last 5 warm-up broadcasts, before the crash. */
  rmrBefore: number
  /** Each broadcast after the crash, in order. */
  perBroadcast: TreeRepairBroadcast[]
  /** First broadcast (1-based) from which RMR stayed <= 0.05; null if never. */
  broadcastsToSteadyRmr: number | null
  /** Virtual time at the end of the run, in ms. */
  virtualMs: number
  /** Protocol events handled by all nodes. */
  steps: number
  /** The scenario's criteria and whether each held. */
  checks: Check[]
  /** The command that replays this run. */
  replay: string
}

export function treeRepairReplay(nodes: number, seed: number, failPercent: number): string {
  return replayCommand('tree-repair', nodes, seed, ` --fail ${failPercent}`)
}

const STEADY_RMR = 0.05

/** S5: after a steady single-sender phase, `failPercent` % of the other nodes crash and the sender keeps broadcasting. */
export function runTreeRepair(options: TreeRepairOptions): TreeRepairResult {
  const failPercent = options.failPercent ?? 50
  const count = options.broadcasts ?? 10
  const sim = bootstrapNetwork(options, 's5', treeRepairReplay(options.nodes, options.seed, failPercent))
  sim.runFor(3 * resolveConfig(options.config).membership.shuffleIntervalMs)
  const sender = sim.random.int(options.nodes)
  broadcastPhase(sim, 20, () => sender)
  const lastWarmup = broadcastPhase(sim, 5, () => sender)
  // Crash X % of the nodes other than the sender.
  const others = sim.nodes.filter((n) => n.index !== sender).map((n) => n.index)
  const victims = pickDistinct(sim.random, others.length, Math.round((options.nodes * failPercent) / 100))
  for (const at of victims) sim.crash(others[at] as number)
  const survivors = sim.liveCount()

  const perBroadcast: TreeRepairBroadcast[] = []
  for (let i = 0; i < count; i++) {
    const graftsBefore = sim.sentByType.get('graft') ?? 0
    const id = sim.broadcast(sender, PAYLOAD)
    sim.runUntilDelivered(5_000, [id])
    sim.runFor(500)
    const record = sim.log.get(id)
    perBroadcast.push({
      reliability: record?.reliability(sim.nodes) ?? 0,
      rmr: record?.rmr() ?? 0,
      grafts: (sim.sentByType.get('graft') ?? 0) - graftsBefore,
      duplicateDeliveries: record?.duplicateDeliveries ?? 0,
    })
  }
  let steadyFrom: number | null = null
  for (let i = perBroadcast.length - 1; i >= 0; i--) {
    if ((perBroadcast[i] as TreeRepairBroadcast).rmr > STEADY_RMR) break
    steadyFrom = i + 1
  }
  const duplicates = perBroadcast.reduce((s, b) => s + b.duplicateDeliveries, 0)
  const maxGrafts = Math.max(...perBroadcast.map((b) => b.grafts))
  const minReliability = Math.min(...perBroadcast.map((b) => b.reliability))
  const checks: Check[] = [
    check('no node delivers twice', duplicates === 0, `${duplicates} duplicate deliveries`),
    check('GRAFTs per broadcast at most two per survivor', maxGrafts <= 2 * survivors, `max ${maxGrafts} GRAFTs, ${survivors} survivors`),
    check(
      `RMR back to <= ${STEADY_RMR} within 5 broadcasts, and it stays`,
      steadyFrom !== null && steadyFrom <= 5,
      `RMR per broadcast ${perBroadcast.map((b) => b.rmr.toFixed(3)).join(' ')}`,
    ),
    check('every broadcast reaches every survivor', minReliability === 1, `min reliability ${minReliability}`),
  ]
  return {
    scenario: 's5',
    nodes: options.nodes,
    seed: options.seed,
    failPercent,
    survivors,
    rmrBefore: lastWarmup.delivery.rmr,
    perBroadcast,
    broadcastsToSteadyRmr: steadyFrom,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: treeRepairReplay(options.nodes, options.seed, failPercent),
  }
}
