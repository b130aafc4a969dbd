/**
 * Fault-mix fuzzing in the style of TigerBeetle's VOPR: the seed alone decides the swarm
 * size, which faults occur and how often; a fault phase is followed by a healed phase
 * that must converge.
 *
 * - Fault phase: message loss, jitter (reordering), crashes, restarts with the same id
 *   and fresh state, leave-and-rejoin, new nodes joining, and partition episodes into
 *   2 or 3 sides, at rates drawn from the seed (each fault kind is off for some seeds,
 *   so single faults are tried as well as mixes). Random nodes keep broadcasting. Every
 *   node's local invariants are checked after every step.
 * - Healed phase: partitions heal, loss and jitter stop, crashed nodes stay down. Then,
 *   once per membership round, a broadcast goes out from a random node; the run has
 *   converged at the first round boundary where the live overlay is one component, every
 *   active link is symmetric, no active view holds a crashed peer, and that round's
 *   broadcast reached every live node. It must converge within `healedRounds` rounds.
 * - Stranded nodes are left out of "every live node": a node that knows no live member
 *   and that no live member knows (typically one that joined through two contacts that
 *   both died before its JOIN got through) cannot be found by any protocol. They are
 *   counted and reported (`strandedNodes` in metrics.ts defines them).
 *
 * A failing seed prints `npm run sim:fuzz -- --seed N`, which replays it exactly.
 */
import { SeededRng } from '../../src/gossip/proto/rng.js'
import { componentSizes, overlaySummary, strandedNodes, type OverlaySummary } from '../../src/gossip/sim/metrics.js'
import { membershipRoundMs } from '../../src/gossip/sim/rounds.js'
import { steadyNetwork } from './crash.js'
import { PAYLOAD, check, type Check } from './scenarios.js'
import { SIM_TOPIC, type Simulation } from '../../src/gossip/sim/simulation.js'

/** Which faults a seed injects, and how often. Rates are per second, across the swarm. */
export interface FaultMix {
  /** Swarm size at the start: 20–200 from the seed unless overridden. */
  nodes: number
  /** Length of the fault phase in virtual ms: 30, 45, 60 or 75 s. */
  faultPhaseMs: number
  /** Probability that a message is lost during the fault phase: 0 or up to 0.05. */
  lossRate: number
  /** Per-message jitter (reordering) during the fault phase, in ms: 0 or up to 400. */
  jitterMs: number
  /** Crashes per second (0 or up to nodes / 50), until `maxDownShare` is down. */
  crashesPerSecond: number
  /** Restarts per second of crashed nodes, with the same id and fresh state (0 or up to nodes / 50). */
  restartsPerSecond: number
  /** Live nodes per second that quit the topic and join again at once (0 or up to nodes / 50). */
  rejoinsPerSecond: number
  /** New nodes per second joining through two live contacts (0 or up to nodes / 50). */
  joinsPerSecond: number
  /** Partition episodes during the fault phase (one after another). */
  partitions: number
  /** Length of each partition episode in ms: 5–60 s, cut short at the end of the fault phase. */
  partitionMs: number
  /** Sides of each partition, 2 or 3; every node lands on a random side. */
  partitionSides: number
  /** Crashes stop once this share of the nodes is down. */
  maxDownShare: number
}

/** Options of one fault-mix fuzz run. */
export interface FuzzOptions {
  /** The seed: it alone picks the swarm size, the fault mix and every random choice. */
  seed: number
  /** Overrides the swarm size the seed picks. */
  nodes?: number
  /** @default true */
  checkInvariants?: boolean
  /** Rounds the healed phase may take to converge. @default 12 */
  healedRounds?: number
}

/** Outcome of one fault-mix fuzz run. */
export interface FuzzResult {
  /** Always `fuzz`. */
  scenario: 'fuzz'
  /** The seed of the run. */
  seed: number
  /** The fault mix the seed picked. */
  mix: FaultMix
  /** How many of each fault the fault phase injected. */
  faults: {
    /** Nodes crashed. */
    crash: number
    /** Crashed nodes restarted. */
    restart: number
    /** Live nodes that quit and re-joined. */
    rejoin: number
    /** New nodes that joined. */
    join: number
    /** Partition episodes started. */
    partition: number
    /** Broadcasts sent during the fault phase (one per second from a random live node). */
    broadcasts: number
  }
  /** Rounds of the healed phase until convergence; null if it did not converge. */
  roundsToConverge: number | null
  /** Live nodes no protocol could bring back (see strandedNodes). */
  stranded: number
  /** Components of the live, not stranded nodes' active views at the last healed round checked. */
  components: number
  /** Overlay shape at the last healed round checked. */
  overlay: OverlaySummary
  /** Share of the live, not stranded nodes that got that round's broadcast. */
  reliability: number
  /** Virtual time at the end of the run, in ms. */
  virtualMs: number
  /** Protocol events handled by all nodes. */
  steps: number
  /** The convergence check. */
  checks: Check[]
  /** The command that replays this run (`fuzzReplay`). */
  replay: string
}

/** The `npm run sim:fuzz` command line that replays `seed` (with `nodes` if it was overridden). */
export function fuzzReplay(seed: number, nodes?: number): string {
  return `npm run sim:fuzz -- --seed ${seed}${nodes === undefined ? '' : ` --nodes ${nodes}`}`
}

/** The fault mix for `seed` (pure function of the seed). */
export function faultMixFor(seed: number, nodes?: number): FaultMix {
  const rng = new SeededRng(seed, 0xf022)
  const on = (p: number): boolean => rng.nextFloat() < p
  const uniform = (lo: number, hi: number): number => lo + rng.nextFloat() * (hi - lo)
  const n = nodes ?? 20 + rng.int(181)
  const partitions = on(0.5) ? 1 + rng.int(3) : 0
  return {
    nodes: n,
    faultPhaseMs: 30_000 + rng.int(4) * 15_000,
    lossRate: on(0.4) ? uniform(0, 0.05) : 0,
    jitterMs: on(0.5) ? Math.round(uniform(0, 400)) : 0,
    crashesPerSecond: on(0.6) ? uniform(0, n / 50) : 0,
    restartsPerSecond: on(0.5) ? uniform(0, n / 50) : 0,
    rejoinsPerSecond: on(0.4) ? uniform(0, n / 50) : 0,
    joinsPerSecond: on(0.4) ? uniform(0, n / 50) : 0,
    partitions,
    partitionMs: 5_000 + rng.int(12) * 5_000,
    partitionSides: 2 + rng.int(2),
    maxDownShare: uniform(0.1, 0.5),
  }
}

/** Contacts a joining node is given: two random live members, as a ticket would carry. */
function contacts(sim: Simulation, rng: SeededRng, except: number): number[] {
  const picked: number[] = []
  for (let attempt = 0; attempt < 50 && picked.length < 2; attempt++) {
    const index = rng.int(sim.nodes.length)
    if (index !== except && sim.nodes[index]?.alive === true && !picked.includes(index)) picked.push(index)
  }
  return picked
}

function randomLive(sim: Simulation, rng: SeededRng, except?: ReadonlySet<number>): number | undefined {
  for (let attempt = 0; attempt < 50; attempt++) {
    const index = rng.int(sim.nodes.length)
    if (sim.nodes[index]?.alive === true && except?.has(index) !== true) return index
  }
  return undefined
}

/** Share of the live, not stranded nodes that delivered broadcast `id`. */
function reachedShare(sim: Simulation, id: string, stranded: ReadonlySet<number>): number {
  const record = sim.log.get(id)
  let live = 0
  let got = 0
  for (const node of sim.nodes) {
    if (!node.alive || stranded.has(node.index)) continue
    live++
    if (record?.deliveredAt[node.index] === 1) got++
  }
  return live === 0 ? 1 : got / live
}

/** How many events of a Poisson process with `perSecond` fall into one step. */
function eventsIn(rng: SeededRng, perSecond: number, stepMs: number): number {
  const mean = (perSecond * stepMs) / 1_000
  let count = 0
  let p = rng.nextFloat()
  const limit = Math.exp(-mean)
  while (p > limit && count < 100) {
    count++
    p *= rng.nextFloat()
  }
  return count
}

const STEP_MS = 100

/**
 * Runs one fault-mix fuzz case: a steady swarm, the seed's fault phase, then healed
 * rounds until the overlay converges or `healedRounds` pass.
 */
export function runFaultMix(options: FuzzOptions): FuzzResult {
  const { seed } = options
  const mix = faultMixFor(seed, options.nodes)
  const replay = fuzzReplay(seed, options.nodes)
  const sim = steadyNetwork({ nodes: mix.nodes, seed, checkInvariants: options.checkInvariants ?? true }, 'fuzz', replay)
  const rng = new SeededRng(seed, 0xf023)
  const roundMs = membershipRoundMs()
  const faults = { crash: 0, restart: 0, rejoin: 0, join: 0, partition: 0, broadcasts: 0 }
  const down: number[] = []

  // Partition episodes, one after another, at seed-chosen times in the fault phase.
  const episodes: { startMs: number; endMs: number }[] = []
  let free = 0
  for (let i = 0; i < mix.partitions; i++) {
    const startMs = free + rng.int(Math.max(1, mix.faultPhaseMs - free - mix.partitionMs))
    const endMs = Math.min(mix.faultPhaseMs, startMs + mix.partitionMs)
    if (startMs >= mix.faultPhaseMs) break
    episodes.push({ startMs, endMs })
    free = endMs
  }

  sim.setLinkFaults({ lossRate: mix.lossRate, jitterMs: mix.jitterMs })
  const start = sim.nowMs
  for (let t = 0; t < mix.faultPhaseMs; t += STEP_MS) {
    sim.runUntil(start + t)
    for (const episode of episodes) {
      if (episode.startMs >= t && episode.startMs < t + STEP_MS) {
        const sides = mix.partitionSides
        sim.partition(() => rng.int(sides))
        faults.partition++
      }
      if (episode.endMs >= t && episode.endMs < t + STEP_MS) sim.heal()
    }
    for (let i = eventsIn(rng, mix.crashesPerSecond, STEP_MS); i > 0; i--) {
      if (down.length + 1 > mix.maxDownShare * sim.nodes.length) break
      const node = randomLive(sim, rng)
      if (node === undefined) break
      sim.crash(node)
      down.push(node)
      faults.crash++
    }
    for (let i = eventsIn(rng, mix.restartsPerSecond, STEP_MS); i > 0 && down.length > 0; i--) {
      const node = down.splice(rng.int(down.length), 1)[0] as number
      sim.restart(node, contacts(sim, rng, node))
      faults.restart++
    }
    for (let i = eventsIn(rng, mix.rejoinsPerSecond, STEP_MS); i > 0; i--) {
      const node = randomLive(sim, rng)
      if (node === undefined) break
      sim.command(node, SIM_TOPIC, { type: 'quit' })
      sim.join(node, contacts(sim, rng, node))
      faults.rejoin++
    }
    for (let i = eventsIn(rng, mix.joinsPerSecond, STEP_MS); i > 0; i--) {
      const node = sim.addNode()
      sim.join(node, contacts(sim, rng, node))
      faults.join++
    }
    if (t % 1_000 === 0) {
      const origin = randomLive(sim, rng)
      if (origin !== undefined) {
        sim.broadcast(origin, PAYLOAD)
        faults.broadcasts++
      }
    }
  }

  // Healed phase.
  sim.runUntil(start + mix.faultPhaseMs)
  sim.heal()
  sim.setLinkFaults({ lossRate: 0, jitterMs: 0 })
  const healedRounds = options.healedRounds ?? 12
  const healedAt = sim.nowMs
  let roundsToConverge: number | null = null
  let overlay = overlaySummary(sim.nodes)
  let reliability = 0
  let components = 0
  let stranded = new Set<number>()
  for (let k = 1; k <= healedRounds; k++) {
    stranded = strandedNodes(sim.nodes)
    const origin = randomLive(sim, rng, stranded) ?? 0
    const id = sim.broadcast(origin, PAYLOAD)
    sim.runUntil(healedAt + k * roundMs)
    stranded = strandedNodes(sim.nodes)
    overlay = overlaySummary(sim.nodes)
    components = componentSizes(sim.nodes, (n) => !stranded.has(n.index)).length
    reliability = reachedShare(sim, id, stranded)
    if (components === 1 && overlay.symmetricLinkShare === 1 && overlay.deadActiveLinks === 0 && reliability === 1) {
      roundsToConverge = k
      break
    }
  }
  const checks: Check[] = [
    check(
      `healed phase converges within ${healedRounds} rounds`,
      roundsToConverge !== null,
      `components ${components} (+${stranded.size} stranded), symmetric ${(overlay.symmetricLinkShare * 100).toFixed(3)} %, dead links ${overlay.deadActiveLinks}, reliability ${reliability.toFixed(4)}`,
    ),
  ]
  return {
    scenario: 'fuzz',
    seed,
    mix,
    faults,
    roundsToConverge,
    stranded: stranded.size,
    components,
    overlay,
    reliability,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay,
  }
}
