/**
 * Measurements of a simulation run: per-broadcast delivery (reliability, RMR, LDH,
 * latency) and overlay shape (components, symmetry, in-degree).
 *
 * Definitions follow docs/protocol.md: reliability = live nodes that delivered
 * / live nodes; RMR = payload messages sent / (nodes delivered - 1) - 1, counting GOSSIP
 * messages only; LDH = hop count of the last delivery.
 */
import type { MessageId } from '../proto/types.js'
import { EventHeap } from './heap.js'
import type { BroadcastRecord } from './broadcast-log.js'
import type { SimNode } from './simulation.js'
import { SIM_TOPIC } from './simulation.js'


/** Aggregate delivery figures over a set of broadcasts. */
export interface DeliverySummary {
  /** Broadcasts summarised. */
  broadcasts: number
  /** Mean reliability over the broadcasts. */
  reliability: number
  /** Worst single-broadcast reliability. */
  minReliability: number
  /** Aggregate RMR: all payload sends / all (delivered - 1), minus 1. */
  rmr: number
  /** Worst single-broadcast RMR. */
  maxRmr: number
  /** Largest last-delivery hop over the broadcasts. */
  ldh: number
  /** Mean last-delivery hop over the broadcasts. */
  meanLdh: number
  /** Repeated deliveries to the same node, summed over the broadcasts (should be 0). */
  duplicateDeliveries: number
  /** Delivery latency in virtual ms over every delivery of every broadcast (origin excluded). */
  latencyMs: {
    /** Median. */
    p50: number
    /** 90th percentile. */
    p90: number
    /** 99th percentile. */
    p99: number
    /** Slowest delivery. */
    max: number
  }
}

/** Aggregates the records' delivery figures; reliability is judged against the nodes alive now. */
export function summarize(records: readonly BroadcastRecord[], nodes: readonly SimNode[]): DeliverySummary {
  let reliabilitySum = 0
  let minReliability = 1
  let payload = 0
  let receivers = 0
  let maxRmr = 0
  let ldh = 0
  let ldhSum = 0
  let duplicates = 0
  const latencies: number[] = []
  for (const record of records) {
    const reliability = record.reliability(nodes)
    reliabilitySum += reliability
    minReliability = Math.min(minReliability, reliability)
    payload += record.payloadSent
    receivers += record.deliveredCount - 1
    maxRmr = Math.max(maxRmr, record.rmr())
    ldh = Math.max(ldh, record.maxHops)
    ldhSum += record.maxHops
    duplicates += record.duplicateDeliveries
    for (const latency of record.latenciesMs) latencies.push(latency)
  }
  latencies.sort((a, b) => a - b)
  const n = records.length
  return {
    broadcasts: n,
    reliability: n === 0 ? 1 : reliabilitySum / n,
    minReliability,
    rmr: receivers === 0 ? 0 : payload / receivers - 1,
    maxRmr,
    ldh,
    meanLdh: n === 0 ? 0 : ldhSum / n,
    duplicateDeliveries: duplicates,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      max: latencies.length === 0 ? 0 : (latencies[latencies.length - 1] as number),
    },
  }
}

/** The `q` quantile (0..1, nearest rank) of an ascending-sorted array; 0 when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] as number
}

/** Shape of the overlay formed by the live nodes' active views of one topic. */
export interface OverlaySummary {
  /** Live nodes counted. */
  liveNodes: number
  /** Connected components of the active-view graph (links taken both ways) among live nodes. */
  components: number
  /** Nodes in the largest component. */
  largestComponent: number
  /** Share of directed active links whose reverse link exists. */
  symmetricLinkShare: number
  /** Share of live nodes whose active view is full. */
  fullActiveViewShare: number
  /** Share of live nodes with an empty active view. */
  isolatedShare: number
  /** activeInDegree[k] = live nodes that appear in exactly k live active views. */
  activeInDegree: number[]
  /** Mean passive view size over the live nodes. */
  meanPassiveSize: number
  /** Active links pointing at crashed nodes. */
  deadActiveLinks: number
}

/** Measures the overlay formed by the live nodes' active views of `topic`. */
export function overlaySummary(nodes: readonly SimNode[], topic = SIM_TOPIC): OverlaySummary {
  const indexOf = (id: string) => Number(id)
  const parent = new Int32Array(nodes.length)
  for (let i = 0; i < parent.length; i++) parent[i] = i
  const find = (x: number): number => {
    let root = x
    while (parent[root] !== root) root = parent[root] as number
    while (parent[x] !== root) {
      const next = parent[x] as number
      parent[x] = root
      x = next
    }
    return root
  }
  const inDegree = new Int32Array(nodes.length)
  let links = 0
  let symmetric = 0
  let full = 0
  let isolated = 0
  let passiveSum = 0
  let live = 0
  let deadLinks = 0
  for (const node of nodes) {
    if (!node.alive) continue
    live++
    if (!node.state.joined(topic)) {
      isolated++
      continue
    }
    const active = node.state.neighbors(topic)
    const passive = node.state.passivePeers(topic)
    passiveSum += passive.size
    if (active.size >= node.state.config.membership.activeViewCapacity) full++
    if (active.size === 0) isolated++
    for (const peerId of active) {
      const peer = nodes[indexOf(peerId)]
      if (peer === undefined || !peer.alive) {
        deadLinks++
        continue
      }
      links++
      inDegree[peer.index] = (inDegree[peer.index] ?? 0) + 1
      if (peer.state.neighbors(topic).has(node.id)) symmetric++
      const a = find(node.index)
      const b = find(peer.index)
      if (a !== b) parent[a] = b
    }
  }
  const componentSizes = new Map<number, number>()
  const histogram: number[] = []
  for (const node of nodes) {
    if (!node.alive) continue
    const root = find(node.index)
    componentSizes.set(root, (componentSizes.get(root) ?? 0) + 1)
    const degree = inDegree[node.index] as number
    while (histogram.length <= degree) histogram.push(0)
    histogram[degree] = (histogram[degree] as number) + 1
  }
  let largest = 0
  for (const size of componentSizes.values()) largest = Math.max(largest, size)
  return {
    liveNodes: live,
    components: componentSizes.size,
    largestComponent: largest,
    symmetricLinkShare: links === 0 ? 1 : symmetric / links,
    fullActiveViewShare: live === 0 ? 0 : full / live,
    isolatedShare: live === 0 ? 0 : isolated / live,
    activeInDegree: histogram,
    meanPassiveSize: live === 0 ? 0 : passiveSum / live,
    deadActiveLinks: deadLinks,
  }
}

/**
 * LDH of a flood from `origin` under the simulation's link latencies: every node
 * forwards on first receipt over its active links, so each node is first reached along
 * its lowest-latency path; the result is the largest hop count among those paths
 * (ties broken by fewer hops). This is what Plumtree's tree is compared against.
 */
export function floodLdh(
  nodes: readonly SimNode[],
  origin: number,
  linkLatency: (a: number, b: number) => number,
  topic = SIM_TOPIC,
): number {
  const arrival = new Float64Array(nodes.length).fill(Number.POSITIVE_INFINITY)
  const hops = new Int32Array(nodes.length)
  const done = new Uint8Array(nodes.length)
  const queue = new EventHeap<{ timeMs: number; seq: number; node: number }>()
  arrival[origin] = 0
  queue.push({ timeMs: 0, seq: 0, node: origin })
  let ldh = 0
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    const index = item.node
    if (done[index] === 1) continue
    done[index] = 1
    const myHops = hops[index] as number
    if (myHops > ldh) ldh = myHops
    for (const peerId of (nodes[index] as SimNode).state.neighbors(topic)) {
      const peer = Number(peerId)
      const target = nodes[peer]
      if (target === undefined || !target.alive || done[peer] === 1) continue
      const at = item.timeMs + linkLatency(index, peer)
      const known = arrival[peer] as number
      if (at < known || (at === known && myHops + 1 < (hops[peer] as number))) {
        arrival[peer] = at
        hops[peer] = myHops + 1
        queue.push({ timeMs: at, seq: myHops + 1, node: peer })
      }
    }
  }
  return ldh
}

/**
 * Sizes of the components formed by the live nodes' active views, largest first;
 * `include` restricts them to some nodes (links to others are ignored).
 */
export function componentSizes(
  nodes: readonly SimNode[],
  include: (node: SimNode) => boolean = () => true,
  topic = SIM_TOPIC,
): number[] {
  const parent = new Int32Array(nodes.length)
  for (let i = 0; i < parent.length; i++) parent[i] = i
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number
      x = parent[x] as number
    }
    return x
  }
  const member = (node: SimNode | undefined): node is SimNode => node !== undefined && node.alive && include(node)
  for (const node of nodes) {
    if (!member(node)) continue
    for (const peer of node.state.neighbors(topic)) {
      const other = nodes[Number(peer)]
      if (!member(other)) continue
      parent[find(node.index)] = find(other.index)
    }
  }
  const sizes = new Map<number, number>()
  for (const node of nodes) if (member(node)) sizes.set(find(node.index), (sizes.get(find(node.index)) ?? 0) + 1)
  return [...sizes.values()].sort((a, b) => b - a)
}

/**
 * Live nodes that no protocol could bring back: outside the largest component of the
 * "knows of" graph (an edge wherever a live node holds a live peer in any view, pending
 * request, bootstrap list, lost list or backlog, taken both ways). Such a node knows no
 * live member and no live member knows it; a fresh ticket is the only way back.
 */
export function strandedNodes(nodes: readonly SimNode[], topic = SIM_TOPIC): Set<number> {
  const parent = new Int32Array(nodes.length)
  for (let i = 0; i < parent.length; i++) parent[i] = i
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number
      x = parent[x] as number
    }
    return x
  }
  for (const node of nodes) {
    if (!node.alive) continue
    for (const peer of node.state.knownPeers(topic)) {
      const other = nodes[Number(peer)]
      if (other === undefined || !other.alive) continue
      parent[find(node.index)] = find(other.index)
    }
  }
  const sizes = new Map<number, number>()
  for (const node of nodes) if (node.alive) sizes.set(find(node.index), (sizes.get(find(node.index)) ?? 0) + 1)
  let largestRoot = -1
  let largest = 0
  for (const [root, size] of sizes) {
    if (size > largest) {
      largest = size
      largestRoot = root
    }
  }
  const stranded = new Set<number>()
  for (const node of nodes) if (node.alive && find(node.index) !== largestRoot) stranded.add(node.index)
  return stranded
}
