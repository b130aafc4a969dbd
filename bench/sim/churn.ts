/**
 * S9 of docs/method.md: churn. Each membership round, 1 % of the nodes leave
 * and as many new nodes join (through two random members, as a ticket with several
 * peers would give them), at random moments within the
 * round, for `rounds` rounds; half of the leavers crash without a word, half leave
 * politely (DISCONNECT). One broadcast goes out from a random member in the middle of
 * every round and is measured one round later.
 *
 * Reliability of a broadcast = share of the nodes that were members when it was sent
 * (joined at least 1 s earlier) and are still alive one round later that delivered it;
 * the run's reliability is the mean over its broadcasts (the paper's measure). "One
 * component throughout" is checked at every round boundary over the members that
 * joined at least 1 s earlier (a node whose JOIN is still in flight is not in the
 * overlay yet).
 */
import type { MessageId } from '../../src/gossip/proto/types.js'
import { steadyNetwork } from './crash.js'
import { componentSizes, overlaySummary, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { membershipRoundMs } from '../../src/gossip/sim/rounds.js'
import { PAYLOAD, check, type Check, replayCommand, type ScenarioOptions } from './scenarios.js'
import { SIM_TOPIC, type Simulation } from '../../src/gossip/sim/simulation.js'

/** Options of one S9 churn run. */
export interface ChurnOptions extends ScenarioOptions {
  /** Rounds of churn. @default 200 */
  rounds?: number
  /** Share of the nodes replaced per round, in percent. @default 1 */
  churnPercent?: number
}

/** Measurements and checks of one S9 churn run. */
export interface ChurnResult {
  /** Always `s9`. */
  scenario: 's9'
  /** Swarm size at the start (churn keeps it about constant). */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Membership rounds of churn. */
  rounds: number
  /** Share of the nodes replaced per round, in percent. */
  churnPercent: number
  /** Nodes that left (each at random either crashed or quit politely with DISCONNECT). */
  left: number
  /** New nodes that joined. */
  joined: number
  /** Broadcasts measured (one per round). */
  broadcasts: number
  /** Mean reliability over the broadcasts. */
  reliability: number
  /** Worst single-broadcast reliability. */
  minReliability: number
  /** Rounds whose boundary saw more than one component among settled members. */
  roundsSplit: number
  /** Most components seen at a round boundary among settled members. */
  maxComponents: number
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

export function churnReplay(nodes: number, seed: number): string {
  return replayCommand('churn', nodes, seed)
}

/** A member joined at least this long ago counts as settled. */
const SETTLED_MS = 1_000

interface Sent {
  id: MessageId
  eligible: number[]
}

/** A random settled member; with `linked`, one that has a neighbor (is in the overlay). */
function randomMember(sim: Simulation, joinedAtMs: number[], linked = false, except = -1): number {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const index = sim.random.int(sim.nodes.length)
    const node = sim.nodes[index]
    if (node === undefined || !node.alive || index === except) continue
    if ((joinedAtMs[index] as number) > sim.nowMs - SETTLED_MS) continue
    if (linked && (node.state.topic(SIM_TOPIC)?.membership.active.size ?? 0) === 0) continue
    return index
  }
  throw new Error('no settled member left')
}

/** S9: `churnPercent` % of the nodes leave and as many join per membership round, for `rounds` rounds, with one broadcast per round. */
export function runChurn(options: ChurnOptions): ChurnResult {
  const sim = steadyNetwork(options, 's9', churnReplay(options.nodes, options.seed))
  const roundMs = membershipRoundMs(options.config)
  const rounds = options.rounds ?? 200
  const churnPercent = options.churnPercent ?? 1
  const perRound = Math.max(1, Math.round((options.nodes * churnPercent) / 100))
  const joinedAtMs: number[] = sim.nodes.map(() => 0)
  let left = 0
  let joined = 0
  let roundsSplit = 0
  let maxComponents = 1
  const sent: Sent[] = []
  const reliabilities: number[] = []
  const start = sim.nowMs

  const measure = (record: Sent): void => {
    const log = sim.log.get(record.id)
    let alive = 0
    let got = 0
    for (const index of record.eligible) {
      if (sim.nodes[index]?.alive !== true) continue
      alive++
      if (log?.deliveredAt[index] === 1) got++
    }
    reliabilities.push(alive === 0 ? 1 : got / alive)
  }

  for (let k = 0; k < rounds; k++) {
    const roundStart = start + k * roundMs
    for (let i = 0; i < perRound; i++) {
      sim.at(roundStart + sim.random.int(roundMs), () => {
        const leaver = randomMember(sim, joinedAtMs)
        if (sim.random.int(2) === 0) sim.crash(leaver)
        else {
          sim.command(leaver, SIM_TOPIC, { type: 'quit' })
          sim.crash(leaver)
        }
        left++
      })
      sim.at(roundStart + sim.random.int(roundMs), () => {
        // Two contacts, as a ticket carries several peers (protocol.md pitfall 9).
        const first = randomMember(sim, joinedAtMs, true)
        const second = randomMember(sim, joinedAtMs, true, first)
        const index = sim.addNode()
        joinedAtMs[index] = sim.nowMs
        sim.join(index, [first, second])
        joined++
      })
    }
    sim.at(roundStart + roundMs / 2, () => {
      const origin = randomMember(sim, joinedAtMs)
      const eligible: number[] = []
      for (const node of sim.nodes) {
        if (node.alive && (joinedAtMs[node.index] as number) <= sim.nowMs - SETTLED_MS) eligible.push(node.index)
      }
      sent.push({ id: sim.broadcast(origin, PAYLOAD), eligible })
    })
    sim.runUntil(roundStart + roundMs)
    // Broadcasts sent at least one round ago are measured now.
    while (sent.length > 0 && (sim.log.get((sent[0] as Sent).id)?.startMs ?? 0) <= sim.nowMs - roundMs) {
      measure(sent.shift() as Sent)
    }
    const components = componentSizes(sim.nodes, (n) => (joinedAtMs[n.index] as number) <= sim.nowMs - SETTLED_MS).length
    if (components > 1) roundsSplit++
    maxComponents = Math.max(maxComponents, components)
  }
  sim.runFor(roundMs)
  for (const record of sent) measure(record)
  const reliability = reliabilities.reduce((s, r) => s + r, 0) / Math.max(1, reliabilities.length)
  const minReliability = Math.min(...reliabilities)
  const overlay = overlaySummary(sim.nodes)
  const checks: Check[] = [
    check('reliability >= 99.9 %', reliability >= 0.999, `mean ${reliability.toFixed(5)}, min ${minReliability.toFixed(4)} over ${reliabilities.length} broadcasts`),
    check('one component throughout', roundsSplit === 0, `${roundsSplit} of ${rounds} round boundaries split, up to ${maxComponents} components`),
  ]
  return {
    scenario: 's9',
    nodes: options.nodes,
    seed: options.seed,
    rounds,
    churnPercent,
    left,
    joined,
    broadcasts: reliabilities.length,
    reliability,
    minReliability,
    roundsSplit,
    maxComponents,
    overlay,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: churnReplay(options.nodes, options.seed),
  }
}
