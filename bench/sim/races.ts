/**
 * S7 of docs/method.md: stale DISCONNECT / NEIGHBOR-reply races under reordered
 * delivery.
 *
 * Every message gets an extra uniform delay in [0, jitterMs) (300 ms by default, so a
 * NEIGHBOR round trip can outlast the 500 ms request timeout and replies arrive late),
 * which reorders messages on a link. From a steady state, one race-provoking fault per
 * 100 ms for `rounds` membership rounds, chosen by the seed:
 * - restart: a node crashes and comes back with the same id and fresh state within
 *   200 ms (messages of its earlier life are still in flight; its old neighbors ask
 *   it back);
 * - rejoin: a node leaves (DISCONNECT, leaving) and at once joins again through a
 *   random node (the new JOIN races the goodbye);
 * - crash: a node crashes for good (its peers must drop it from every view).
 * Then the faults stop; after six quiet rounds every active view must be symmetric,
 * hold no crashed peer, form one component, and carry a broadcast to every node.
 */
import { steadyNetwork } from './crash.js'
import { overlaySummary, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { membershipRoundMs } from '../../src/gossip/sim/rounds.js'
import { PAYLOAD, check, type Check, replayCommand, type ScenarioOptions } from './scenarios.js'
import { SIM_TOPIC, type Simulation } from '../../src/gossip/sim/simulation.js'

/** Options of one S7 stale-races run (`jitterMs` defaults to 300 here). */
export interface RacesOptions extends ScenarioOptions {
  /** Membership rounds with faults. @default 6 */
  rounds?: number
  /** Faults per second. @default 10 */
  faultsPerSecond?: number
}

/** Measurements and checks of one S7 stale-races run. */
export interface RacesResult {
  /** Always `s7`. */
  scenario: 's7'
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Per-message jitter used, in ms. */
  jitterMs: number
  /** How many of each race-provoking fault were injected. */
  faults: {
    /** Crashes followed by a restart within 200 ms. */
    restart: number
    /** Leave (quit) and immediate re-join. */
    rejoin: number
    /** Crashes for good. */
    crash: number
  }
  /** NEIGHBOR_REPLY messages sent from the start of the faults to the end. */
  neighborReplies: number
  /** Overlay shape after the quiet rounds. */
  overlay: OverlaySummary
  /** Pending requests to crashed peers at the end. */
  deadPending: number
  /** Reliability of the final broadcast, sent once the overlay is quiet. */
  reliability: number
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
 * Quiet rounds before the checks: each node probes one active peer per round (round
 * robin over 5), so within 6 rounds every link has been probed from the side that holds it.
 */
const QUIET_ROUNDS = 6

export function racesReplay(nodes: number, seed: number): string {
  return replayCommand('races', nodes, seed)
}

function randomLive(sim: Simulation, except = -1): number | undefined {
  for (let attempt = 0; attempt < 100; attempt++) {
    const index = sim.random.int(sim.nodes.length)
    if (index !== except && sim.nodes[index]?.alive === true) return index
  }
  return undefined
}

/** S7: race-provoking faults (restart, rejoin, crash) under reordering, then quiet rounds and the checks. */
export function runStaleRaces(options: RacesOptions): RacesResult {
  const jitterMs = options.jitterMs ?? 300
  const sim = steadyNetwork({ ...options, jitterMs }, 's7', racesReplay(options.nodes, options.seed))
  const roundMs = membershipRoundMs(options.config)
  const rounds = options.rounds ?? 6
  const stepMs = 1_000 / (options.faultsPerSecond ?? 10)
  const faults = { restart: 0, rejoin: 0, crash: 0 }
  const repliesBefore = sim.sentByType.get('neighborReply') ?? 0
  const start = sim.nowMs
  for (let t = stepMs; t <= rounds * roundMs; t += stepMs) {
    sim.runUntil(start + t)
    const node = randomLive(sim)
    const contact = node === undefined ? undefined : randomLive(sim, node)
    if (node === undefined || contact === undefined) break
    const kind = sim.random.int(10)
    if (kind < 5) {
      faults.restart++
      sim.crash(node)
      sim.at(sim.nowMs + 1 + sim.random.int(200), () => {
        const via = randomLive(sim, node) ?? contact
        sim.restart(node, [via])
      })
    } else if (kind < 9) {
      faults.rejoin++
      sim.command(node, SIM_TOPIC, { type: 'quit' })
      sim.join(node, [contact])
    } else {
      faults.crash++
      sim.crash(node)
    }
  }
  sim.runFor(QUIET_ROUNDS * roundMs)
  sim.runUntilMembershipQuiet(60_000)
  const overlay = overlaySummary(sim.nodes)
  let deadPending = 0
  for (const node of sim.nodes) {
    if (!node.alive) continue
    for (const peer of node.state.topic(SIM_TOPIC)?.membership.pending.keys() ?? []) {
      if (sim.nodes[Number(peer)]?.alive !== true) deadPending++
    }
  }
  const sender = randomLive(sim) ?? 0
  const id = sim.broadcast(sender, PAYLOAD)
  sim.runUntilDelivered(5_000, [id])
  const reliability = sim.log.get(id)?.reliability(sim.nodes) ?? 0
  const neighborReplies = (sim.sentByType.get('neighborReply') ?? 0) - repliesBefore
  const checks: Check[] = [
    check('views end symmetric', overlay.symmetricLinkShare === 1, `${(overlay.symmetricLinkShare * 100).toFixed(3)} % symmetric`),
    check('no dead peers in active views', overlay.deadActiveLinks === 0, `${overlay.deadActiveLinks} links to crashed nodes`),
    check('one component', overlay.components === 1, `${overlay.components} components`),
    check('a broadcast reaches every node', reliability === 1, `reliability ${reliability}`),
  ]
  return {
    scenario: 's7',
    nodes: options.nodes,
    seed: options.seed,
    jitterMs,
    faults,
    neighborReplies,
    overlay,
    deadPending,
    reliability,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: racesReplay(options.nodes, options.seed),
  }
}
