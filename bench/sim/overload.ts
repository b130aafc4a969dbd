/**
 * S11: overload is not failure. Every node has a CPU model (service time per message,
 * per signature check, per send and per new connection), and all nodes join through
 * one contact within one second: the contact's queue grows to several seconds, far past
 * the NEIGHBOR request timeout, as a node of a large swarm in one process (or on a
 * CPU-starved device) lags. Slow peers must not be taken for dead: the overlay must end
 * as one component with symmetric views, every broadcast must reach every node, and
 * once the storm is over the views must be quiet (no neighbor-flapping storm).
 */
import type { ProtocolConfigInput } from '../../src/gossip/proto/config.js'
import { overlaySummary, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { PAYLOAD, check, type Check, replayCommand, type ScenarioOptions } from './scenarios.js'
import { Simulation, SIM_TOPIC, type CpuModel } from '../../src/gossip/sim/simulation.js'

/** Parameters of {@link runOverload}. */
export interface OverloadOptions extends ScenarioOptions {
  /** Rounds of 5 s after the joins, the last half of them measured for flapping. @default 8 */
  rounds?: number
  /** The CPU model of every node. @default DEFAULT_OVERLOAD_CPU */
  cpu?: CpuModel
}

/** What {@link runOverload} measured. */
export interface OverloadResult {
  /** Scenario name. */
  scenario: 's11'
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Longest wait of an event in a node's queue, ms: how far overload went. */
  maxLagMs: number
  /** Neighbor-down events in all, and in the quiet half of the rounds. */
  neighborDowns: {
    /** Whole run. */
    total: number
    /** Rounds after the first half (the storm is over): flapping if many. */
    quietHalf: number
  }
  /** NEIGHBOR requests whose timeout fired. */
  requestTimeouts: number
  /** Worst share of nodes a broadcast reached after the storm. */
  minReliability: number
  /** The overlay at the end. */
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

/**
 * Service times of S11: 2 ms per received message, 0.15 ms per signature check (the
 * measured Ed25519 verify), 1 ms per send, 20 ms per new connection at each end (a
 * Noise handshake on a busy event loop).
 */
export const DEFAULT_OVERLOAD_CPU: Readonly<CpuModel> = Object.freeze({ receiveMs: 2, verifyMs: 0.15, sendMs: 1, connectMs: 20 })

const ROUND_MS = 5_000
const BROADCASTS = 10

/** The command that replays an S11 run. */
export function overloadReplay(nodes: number, seed: number): string {
  return replayCommand('overload', nodes, seed)
}

/** Runs S11; bounded by its fixed rounds and broadcast count. */
export function runOverload(options: OverloadOptions): OverloadResult {
  const config: ProtocolConfigInput = options.config ?? {}
  const sim = new Simulation({
    seed: options.seed,
    config,
    checkInvariants: options.checkInvariants ?? true,
    cpu: options.cpu ?? DEFAULT_OVERLOAD_CPU,
    replayCommand: overloadReplay(options.nodes, options.seed),
  })
  const rounds = options.rounds ?? 8
  sim.addNodes(options.nodes)
  sim.join(0, [])
  for (let i = 1; i < options.nodes; i++) sim.at(sim.random.int(1_000), () => sim.join(i, [0]))
  const quietFromRound = Math.ceil(rounds / 2)
  let downsBeforeQuiet = 0
  for (let r = 1; r <= rounds; r++) {
    sim.runUntil(r * ROUND_MS)
    if (r === quietFromRound) downsBeforeQuiet = totalDowns(sim)
  }
  const total = totalDowns(sim)
  sim.runUntilMembershipQuiet(60_000)
  let minReliability = 1
  for (let i = 0; i < BROADCASTS; i++) {
    const id = sim.broadcast(sim.random.int(options.nodes), PAYLOAD)
    sim.runUntilDelivered(10_000, [id])
    minReliability = Math.min(minReliability, sim.log.get(id)?.reliability(sim.nodes) ?? 0)
  }
  const overlay = overlaySummary(sim.nodes)
  let requestTimeouts = 0
  for (const node of sim.nodes) requestTimeouts += node.state.topic(SIM_TOPIC)?.membership.stats().requestTimeouts ?? 0
  const maxLagMs = Math.round(Math.max(...sim.nodes.map((n) => n.maxLagMs)))
  const timeoutMs = sim.nodes[0]?.state.config.membership.neighborRequestTimeoutMs ?? 0
  const quietHalf = total - downsBeforeQuiet
  const flapLimit = Math.ceil(options.nodes / 20)
  const checks: Check[] = [
    check('overload: some node lagged past the NEIGHBOR request timeout', maxLagMs > timeoutMs, `max lag ${maxLagMs} ms, timeout ${timeoutMs} ms`),
    check('one component', overlay.components === 1, `${overlay.components} components`),
    check('100 % of active links symmetric once quiet', overlay.symmetricLinkShare === 1, `${(overlay.symmetricLinkShare * 100).toFixed(2)} %`),
    check('every broadcast reaches every node', minReliability === 1, `min reliability ${minReliability}`),
    check(
      `no flapping: at most ${flapLimit} neighbor-down events in rounds ${quietFromRound + 1}–${rounds}`,
      quietHalf <= flapLimit,
      `${quietHalf} (whole run ${total})`,
    ),
  ]
  return {
    scenario: 's11',
    nodes: options.nodes,
    seed: options.seed,
    maxLagMs,
    neighborDowns: { total, quietHalf },
    requestTimeouts,
    minReliability,
    overlay,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: overloadReplay(options.nodes, options.seed),
  }
}

function totalDowns(sim: Simulation): number {
  let downs = 0
  for (const node of sim.nodes) downs += node.neighborDowns
  return downs
}
