/**
 * The no-repair floor of docs/method.md (S4): a static random d-regular graph,
 * X % of its nodes removed, and the share of the survivors that a flood from a random
 * survivor reaches. A membership protocol that repairs must beat this.
 *
 * Also the same measure on a real overlay (`reachWithoutRepair`): the share of the
 * survivors reachable over the live active views as they were when the crash happened.
 */
import { SeededRng } from '../../src/gossip/proto/rng.js'
import { SIM_TOPIC, type SimNode } from '../../src/gossip/sim/simulation.js'

/** The method's table (10,000 nodes, degree 5, median of 5), keyed by failure percent. */
export const METHOD_FLOOR: Readonly<Record<number, number>> = Object.freeze({
  30: 0.997,
  40: 0.988,
  50: 0.95,
  60: 0.829,
  70: 0.435,
  80: 0,
})

/**
 * Random d-regular multigraph by the configuration model (self-loops and repeated
 * edges dropped, as usual), as adjacency lists. `nodes * degree` must be even.
 */
export function randomRegularGraph(nodes: number, degree: number, seed: number): Int32Array[] {
  const rng = new SeededRng(seed, 0xf1)
  const stubs = new Int32Array(nodes * degree)
  for (let i = 0; i < stubs.length; i++) stubs[i] = Math.floor(i / degree)
  for (let i = stubs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const tmp = stubs[i] as number
    stubs[i] = stubs[j] as number
    stubs[j] = tmp
  }
  const lists: number[][] = Array.from({ length: nodes }, () => [])
  for (let i = 0; i + 1 < stubs.length; i += 2) {
    const a = stubs[i] as number
    const b = stubs[i + 1] as number
    if (a === b) continue
    const la = lists[a] as number[]
    if (la.includes(b)) continue
    la.push(b)
    ;(lists[b] as number[]).push(a)
  }
  return lists.map((l) => Int32Array.from(l))
}

/** Share of the `alive` nodes that a flood from `origin` reaches over `graph`. */
export function floodReach(graph: readonly Int32Array[], alive: Uint8Array, origin: number): number {
  let survivors = 0
  for (const a of alive) survivors += a
  if (survivors === 0) return 1
  const seen = new Uint8Array(graph.length)
  const queue = [origin]
  seen[origin] = 1
  let reached = 1
  for (let head = 0; head < queue.length; head++) {
    for (const next of graph[queue[head] as number] as Int32Array) {
      if (seen[next] === 1 || alive[next] !== 1) continue
      seen[next] = 1
      reached++
      queue.push(next)
    }
  }
  return reached / survivors
}

/**
 * The floor for `failPercent` %: median over `samples` graphs of the flood reach after
 * removing that share of nodes at random.
 */
export function noRepairFloor(failPercent: number, options: { nodes?: number; degree?: number; samples?: number; seed?: number } = {}): number {
  const nodes = options.nodes ?? 10_000
  const degree = options.degree ?? 5
  const samples = options.samples ?? 5
  const reaches: number[] = []
  for (let s = 0; s < samples; s++) {
    const seed = (options.seed ?? 1) * 1_000 + s
    const graph = randomRegularGraph(nodes, degree, seed)
    const rng = new SeededRng(seed, 0xf2)
    const alive = new Uint8Array(nodes).fill(1)
    const crashCount = Math.round((nodes * failPercent) / 100)
    for (const index of pickDistinct(rng, nodes, crashCount)) alive[index] = 0
    const survivors: number[] = []
    for (let i = 0; i < nodes; i++) if (alive[i] === 1) survivors.push(i)
    const origin = survivors[rng.int(survivors.length)]
    reaches.push(origin === undefined ? 1 : floodReach(graph, alive, origin))
  }
  reaches.sort((a, b) => a - b)
  return reaches[Math.floor(reaches.length / 2)] as number
}

/** `count` distinct indices of [0, n), chosen uniformly (partial Fisher–Yates). */
export function pickDistinct(rng: SeededRng, n: number, count: number): number[] {
  const pool = new Int32Array(n)
  for (let i = 0; i < n; i++) pool[i] = i
  const k = Math.min(count, n)
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i)
    const tmp = pool[i] as number
    pool[i] = pool[j] as number
    pool[j] = tmp
  }
  return Array.from(pool.subarray(0, k))
}

/**
 * Share of the live nodes reachable from `origin` over the live nodes' active views,
 * with no repair: what a flood would reach on the overlay as it stands.
 */
export function reachWithoutRepair(nodes: readonly SimNode[], origin: number, topic = SIM_TOPIC): number {
  const graph = nodes.map((node) => Int32Array.from(node.state.neighbors(topic), Number))
  const alive = Uint8Array.from(nodes, (n) => (n.alive ? 1 : 0))
  return floodReach(graph, alive, origin)
}
