/**
 * S8 of docs/method.md: an IHAVE flood with random ids from one peer.
 *
 * From a steady state, one node (an ordinary member of the overlay, so its IHAVEs come
 * from an active neighbor and are not dismissed) sends each of its neighbors an IHAVE
 * with `maxIHaveEntriesPerMessage` ids every 10 ms for `floodMs`: fresh random ids,
 * mixed with ids it repeats and with the ids of real broadcasts. Meanwhile random nodes
 * keep broadcasting. The network-fed structures of the victims (after every flood step)
 * and of every node (every 500 ms) must be at or below their documented caps, and every
 * real broadcast must reach every node.
 */
import { resolveConfig } from '../../src/gossip/proto/config.js'
import type { IHaveEntry } from '../../src/gossip/proto/messages.js'
import { randomHex32, SeededRng } from '../../src/gossip/proto/rng.js'
import { steadyNetwork } from './crash.js'
import { PAYLOAD, check, type Check, replayCommand, type ScenarioOptions } from './scenarios.js'
import { SIM_TOPIC, type Simulation } from '../../src/gossip/sim/simulation.js'

/** Options of one S8 IHAVE-flood run. */
export interface IHaveFloodOptions extends ScenarioOptions {
  /** How long the flood lasts. @default 20_000 */
  floodMs?: number
}

/** Largest size each capped structure reached on any node during the flood. */
export interface FloodPeaks {
  /** Missing-id announcements in total (cap: `maxMissingTotal`). */
  missingTotal: number
  /** Missing ids (cap: `maxMissingTotal`). */
  missingIds: number
  /** Announcers held for one missing id (cap: `maxAnnouncersPerId`). */
  maxAnnouncers: number
  /** IHAVE entries queued for one lazy peer (cap: `maxLazyQueuePerPeer`). */
  lazyQueued: number
  /** Remembered message ids (cap: `maxSeenIds`). */
  seen: number
  /** Cached messages (cap: `maxCachedMessages`). */
  cache: number
  /** Grafted ids timed for the adaptive graft wait (cap: 10 x `maxAnnouncersPerId`). */
  graftTimings: number
  /** Passive view size (cap: `passiveViewCapacity`). */
  passive: number
  /** Active view size (cap: `activeViewCapacity`). */
  active: number
}

/** Measurements and checks of one S8 IHAVE-flood run. */
export interface IHaveFloodResult {
  /** Always `s8`. */
  scenario: 's8'
  /** Swarm size. */
  nodes: number
  /** Seed of the run. */
  seed: number
  /** Index of the node that sends the flood. */
  attacker: number
  /** Most active neighbors the attacker flooded at once. */
  victims: number
  /** IHAVE entries the attacker sent in total. */
  idsSent: number
  /** Largest size each capped structure reached on any node. */
  peaks: FloodPeaks
  /** The cap of each structure, from the configuration. */
  caps: FloodPeaks
  /** Announcements dropped at a cap, summed over all nodes. */
  droppedAnnouncements: number
  /** GRAFT messages sent by all nodes from the start of the flood to the end of the run. */
  graftsToAttacker: number
  /** Worst reliability among the real broadcasts sent during the flood (one per 500 ms). */
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

export function ihaveFloodReplay(nodes: number, seed: number): string {
  return replayCommand('ihave-flood', nodes, seed)
}

const STEP_MS = 10

/** Folds the current sizes of `which` nodes (default: all) into `peaks`. */
function measure(sim: Simulation, peaks: FloodPeaks, which?: readonly number[]): void {
  for (const index of which ?? sim.nodes.map((n) => n.index)) {
    const node = sim.nodes[index]
    if (node === undefined || !node.alive) continue
    const topic = node.state.topic(SIM_TOPIC)
    if (topic === undefined) continue
    const sizes = topic.broadcast.sizes()
    peaks.missingTotal = Math.max(peaks.missingTotal, sizes.missingTotal)
    peaks.missingIds = Math.max(peaks.missingIds, sizes.missingIds)
    peaks.maxAnnouncers = Math.max(peaks.maxAnnouncers, sizes.maxAnnouncers)
    peaks.lazyQueued = Math.max(peaks.lazyQueued, sizes.lazyQueued)
    peaks.seen = Math.max(peaks.seen, sizes.seen)
    peaks.cache = Math.max(peaks.cache, sizes.cache)
    peaks.graftTimings = Math.max(peaks.graftTimings, sizes.graftTimings)
    peaks.passive = Math.max(peaks.passive, topic.membership.passive.size)
    peaks.active = Math.max(peaks.active, topic.membership.active.size)
  }
}

/** S8: from a steady state, one member floods its neighbors with IHAVEs for `floodMs` while random nodes broadcast. */
export function runIHaveFlood(options: IHaveFloodOptions): IHaveFloodResult {
  const sim = steadyNetwork(options, 's8', ihaveFloodReplay(options.nodes, options.seed))
  const config = resolveConfig(options.config)
  const b = config.broadcast
  const caps: FloodPeaks = {
    missingTotal: b.maxMissingTotal,
    missingIds: b.maxMissingTotal,
    maxAnnouncers: b.maxAnnouncersPerId,
    lazyQueued: b.maxLazyQueuePerPeer,
    seen: b.maxSeenIds,
    cache: b.maxCachedMessages,
    graftTimings: b.maxAnnouncersPerId * 10,
    passive: config.membership.passiveViewCapacity,
    active: config.membership.activeViewCapacity,
  }
  const peaks: FloodPeaks = { missingTotal: 0, missingIds: 0, maxAnnouncers: 0, lazyQueued: 0, seen: 0, cache: 0, graftTimings: 0, passive: 0, active: 0 }
  const attacker = sim.random.int(options.nodes)
  const junk = new SeededRng(options.seed, 0x8f)
  const repeated = Array.from({ length: 16 }, () => randomHex32(junk))
  // Fresh ids: a random 32-bit prefix and a counter (distinct, and far cheaper to make).
  const prefix = junk.nextU32().toString(16).padStart(8, 'f')
  let fresh = 0
  const floodMs = options.floodMs ?? 20_000
  const grafts = (): number => sim.sentByType.get('graft') ?? 0
  const graftsBefore = grafts()
  const broadcastIds: string[] = []
  const start = sim.nowMs
  let idsSent = 0
  let victims = 0
  for (let t = 0; t < floodMs; t += STEP_MS) {
    sim.runUntil(start + t)
    if (t % 500 === 0) broadcastIds.push(sim.broadcast(sim.random.int(options.nodes), PAYLOAD))
    const neighbors = [...(sim.nodes[attacker]?.state.topic(SIM_TOPIC)?.membership.active ?? [])]
    victims = Math.max(victims, neighbors.length)
    for (const peer of neighbors) {
      const entries: IHaveEntry[] = []
      for (let i = 0; i < b.maxIHaveEntriesPerMessage; i++) {
        const pick = junk.int(16)
        // Mostly fresh ids; some it repeats every time; some real ones, re-announced.
        const id =
          pick < 12 ? prefix + (fresh++).toString(16).padStart(56, '0') : pick < 15 ? (repeated[junk.int(repeated.length)] as string) : (broadcastIds[junk.int(broadcastIds.length)] as string)
        entries.push({ id, round: junk.int(4) })
      }
      idsSent += entries.length
      sim.sendAs(attacker, Number(peer), { type: 'ihave', entries })
    }
    // The victims after every step, everyone twice a second.
    measure(sim, peaks, t % 500 === 0 ? undefined : neighbors.map(Number))
  }
  sim.runFor(5_000)
  measure(sim, peaks)
  let reliability = 1
  for (const id of broadcastIds) reliability = Math.min(reliability, sim.log.get(id)?.reliability(sim.nodes) ?? 0)
  let dropped = 0
  for (const node of sim.nodes) dropped += node.state.topic(SIM_TOPIC)?.broadcast.stats.droppedAnnouncements ?? 0
  const over = (Object.keys(caps) as (keyof FloodPeaks)[]).filter((k) => peaks[k] > caps[k])
  const checks: Check[] = [
    check(
      'every cache and queue at or below its cap',
      over.length === 0,
      over.length === 0 ? `peaks ${JSON.stringify(peaks)}` : `over the cap: ${over.map((k) => `${k} ${peaks[k]} > ${caps[k]}`).join(', ')}`,
    ),
    check('the flood reached its victims', peaks.missingTotal > 0 && victims > 0, `${victims} victims, ${idsSent} ids`),
    check('every real broadcast reaches every node', reliability === 1, `min reliability ${reliability}`),
  ]
  return {
    scenario: 's8',
    nodes: options.nodes,
    seed: options.seed,
    attacker,
    victims,
    idsSent,
    peaks,
    caps,
    droppedAnnouncements: dropped,
    graftsToAttacker: grafts() - graftsBefore,
    reliability,
    virtualMs: sim.nowMs,
    steps: sim.steps,
    checks,
    replay: ihaveFloodReplay(options.nodes, options.seed),
  }
}
