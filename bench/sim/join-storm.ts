/**
 * S6 of docs/method.md: a join storm. One contact node is alone in the topic;
 * `joiners` nodes join through it, at random moments within one membership round.
 * Nothing else happens: nobody calls `join` again. At every round boundary the overlay
 * must have no island (a component other than the largest) of 3 or more nodes, and by
 * the end every node must be in one component (isolated nodes re-join by themselves)
 * with symmetric views, and a broadcast must reach every node.
 */
import { componentSizes, overlaySummary, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { membershipRoundMs } from '../../src/gossip/sim/rounds.js'
import { PAYLOAD, check, type Check, replayCommand, type ScenarioOptions } from './scenarios.js'
import { Simulation, SIM_TOPIC } from '../../src/gossip/sim/simulation.js'

/** Options of one S6 join-storm run; `nodes` is the number of joiners. */
export interface JoinStormOptions extends ScenarioOptions {
  /** Rounds to watch after the storm round. @default 6 */
  rounds?: number
}

/** Measurements and checks of one S6 join-storm run. */
export interface JoinStormResult {
  /** Always `s6`. */
  scenario: 's6'
  /** Joiners (the contact node comes on top). */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Length of one membership round in ms (the repair interval, 5 s by default). */
  roundMs: number
  /** Largest island (component other than the largest) at each round boundary. */
  largestIslandPerRound: number[]
  /** Components of the overlay at each round boundary. */
  componentsPerRound: number[]
  /** Nodes with an empty active view at each round boundary. */
  isolatedPerRound: number[]
  /** First round boundary with one component; null if never. */
  roundsToOneComponent: number | null
  /** Reliability of one broadcast sent once membership traffic is quiet. */
  reliability: number
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

export function joinStormReplay(nodes: number, seed: number): string {
  return replayCommand('join-storm', nodes, seed)
}

/** S6: `nodes` nodes join through one contact at random moments within one membership round; the overlay is watched for `rounds` more. */
export function runJoinStorm(options: JoinStormOptions): JoinStormResult {
  const sim = new Simulation({
    seed: options.seed,
    config: options.config,
    checkInvariants: options.checkInvariants ?? true,
    replayCommand: joinStormReplay(options.nodes, options.seed),
  })
  const roundMs = membershipRoundMs(options.config)
  const rounds = options.rounds ?? 6
  sim.addNodes(options.nodes + 1)
  sim.join(0, [])
  for (let i = 1; i <= options.nodes; i++) sim.at(sim.random.int(roundMs), () => sim.join(i, [0]))

  const largestIslandPerRound: number[] = []
  const componentsPerRound: number[] = []
  const isolatedPerRound: number[] = []
  for (let k = 1; k <= rounds + 1; k++) {
    sim.runUntil(k * roundMs)
    const sizes = componentSizes(sim.nodes)
    componentsPerRound.push(sizes.length)
    largestIslandPerRound.push(sizes[1] ?? 0)
    let isolated = 0
    for (const node of sim.nodes) if ((node.state.topic(SIM_TOPIC)?.membership.active.size ?? 0) === 0) isolated++
    isolatedPerRound.push(isolated)
  }
  sim.runUntilMembershipQuiet(60_000)
  const id = sim.broadcast(sim.random.int(sim.nodes.length), PAYLOAD)
  sim.runUntilDelivered(5_000, [id])
  const reliability = sim.log.get(id)?.reliability(sim.nodes) ?? 0
  const overlay = overlaySummary(sim.nodes)
  const firstOne = componentsPerRound.findIndex((c) => c === 1)
  // Boundary 1 closes the storm round itself, with the last JOINs still in flight (their
  // FORWARD_JOIN walks briefly leave chains of new nodes apart); from boundary 2 on every
  // join has had a full round to settle.
  const largestIsland = Math.max(...largestIslandPerRound.slice(1))
  const checks: Check[] = [
    check('no island of 3 or more nodes from one round after the storm on', largestIsland < 3, `largest island per round ${largestIslandPerRound.join(' ')}`),
    check(
      'isolated nodes re-join by themselves: one component at the end',
      overlay.components === 1,
      `components per round ${componentsPerRound.join(' ')}, isolated per round ${isolatedPerRound.join(' ')}`,
    ),
    check('100 % of active links symmetric once quiet', overlay.symmetricLinkShare === 1, `${(overlay.symmetricLinkShare * 100).toFixed(3)} %`),
    check('a broadcast reaches every node', reliability === 1, `reliability ${reliability}`),
  ]
  return {
    scenario: 's6',
    nodes: options.nodes,
    seed: options.seed,
    roundMs,
    largestIslandPerRound,
    componentsPerRound,
    isolatedPerRound,
    roundsToOneComponent: firstOne < 0 ? null : firstOne + 1,
    reliability,
    overlay,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: joinStormReplay(options.nodes, options.seed),
  }
}
