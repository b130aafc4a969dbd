/**
 * One lab scenario, start to finish: network and nodes up, join (bootstrap peers or
 * mDNS), settle, senders at a fixed rate, optional faults (unplugged hosts, a partition
 * into halves), drain, figures. Used by `npm run lab` (bench/lab.ts) and the lab tests.
 * Every phase is bounded; the lab is destroyed whatever happens.
 */
import { loadavg } from 'node:os'
import { Lab, type LabNode } from './lab.js'
import type { LabNodeEvent } from './lab-node.js'
import { LATE_AFTER_MS } from '../../src/index.js'
import { DeliveryTable, deliveryFigures, neighborChanges, percentile, round1, type SentMessage } from './metrics.js'
import { profileNamed, type LinkProfile } from './profiles.js'

/** What to run. */
export interface ScenarioOptions {
  readonly hosts: number
  /** A ladder name (profiles.ts). */
  readonly profile: string
  readonly seed: number
  /** Hosts that send (the first ones); unplugged hosts are taken from the end. */
  readonly senders: number
  /** Measured messages per sender. */
  readonly messages: number
  /** Messages per second per sender. */
  readonly ratePerSender: number
  /** Unmeasured messages per sender before the measured ones (the trees form). */
  readonly warmup: number
  readonly sizeBytes: number
  /** Partition into halves for this long during the traffic, then heal (0 = none). */
  readonly partitionSeconds: number
  /** Hosts to unplug (silently) during the traffic, from the last one down (0 = none). */
  readonly unplug: number
  /** Form the swarm by mDNS only (no bootstrap peers), announcing every `mdnsIntervalMs`. */
  readonly mdns: boolean
  readonly mdnsIntervalMs: number
  /** Quiet time between the swarm being one component and the first message. */
  readonly settleMs: number
  /** Longest wait for stragglers after the last message. */
  readonly maxDrainMs: number
  /** After unplugging, the run lasts at least this long (so the neighbors can notice). */
  readonly afterUnplugMs: number
  /** Transport options for every node (e.g. keepalive settings). */
  readonly transportOptions?: Record<string, number>
  /** Progress lines (stderr in the bench). */
  readonly log?: (line: string) => void
}

/** Defaults of {@link ScenarioOptions}. */
export const SCENARIO_DEFAULTS: ScenarioOptions = {
  hosts: 12,
  profile: 'lan',
  seed: 1,
  senders: 12,
  messages: 20,
  ratePerSender: 1,
  warmup: 2,
  sizeBytes: 64,
  partitionSeconds: 0,
  unplug: 0,
  mdns: false,
  mdnsIntervalMs: 1_000,
  settleMs: 3_000,
  maxDrainMs: 15_000,
  afterUnplugMs: 15_000,
}

const JOIN_TIMEOUT_MS = 30_000
const now = (): number => performance.timeOrigin + performance.now()
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `done` every 100 ms until it holds or `timeoutMs` passed; true if it held. */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = now() + timeoutMs
  while (!done()) {
    if (now() > deadline) return false
    await sleep(100)
  }
  return true
}

function rxOf(node: LabNode): Extract<LabNodeEvent, { ev: 'rx' }>[] {
  return node.events.filter((e): e is Extract<LabNodeEvent, { ev: 'rx' }> => e.ev === 'rx')
}

/** Runs the scenario; resolves with one JSON-ready object (parameters and figures). */
export async function runScenario(input: Partial<ScenarioOptions>): Promise<Record<string, unknown>> {
  const o: ScenarioOptions = { ...SCENARIO_DEFAULTS, ...input }
  const profile: LinkProfile | undefined = profileNamed(o.profile)
  if (profile === undefined) throw new Error(`unknown profile ${o.profile}`)
  if (o.senders < 1 || o.senders > o.hosts) throw new Error('senders must be 1..hosts')
  if (o.unplug >= o.hosts - 1) throw new Error('unplug must leave at least two hosts')
  const log = o.log ?? (() => {})
  const wallStart = now()
  const load = { before: loadavg().map((v) => Math.round(v * 100) / 100) }
  const lab = await Lab.create({ hosts: o.hosts, profile, seed: o.seed })
  try {
    log(`lab ${lab.network.prefix}: ${o.hosts} hosts, profile ${o.profile}`)
    const nodes = await lab.startNodes({
      sizeBytes: o.sizeBytes,
      ...(o.mdns ? { mdns: { intervalMs: o.mdnsIntervalMs } } : {}),
      ...(o.transportOptions === undefined ? {} : { transportOptions: o.transportOptions }),
    })
    const joinAt = now()
    if (!o.mdns) lab.joinRandomEarlier()
    const oneComponent = (): boolean => lab.components().length === 1 && nodes.every((n) => n.neighbors().size > 0)
    const formed = await until(oneComponent, JOIN_TIMEOUT_MS)
    const formedAt = now()
    log(`swarm ${formed ? 'formed' : 'NOT formed'} in ${Math.round(formedAt - joinAt)} ms`)
    const firstUp = nodes.map((n) => n.events.find((e) => e.ev === 'up')?.t)
    await sleep(o.settleMs)

    // ---- traffic
    const intervalMs = 1000 / o.ratePerSender
    let perSender = o.warmup + o.messages
    if (o.partitionSeconds > 0) perSender = Math.max(perSender, o.warmup + Math.ceil((o.partitionSeconds + 15) * o.ratePerSender))
    const senders = nodes.slice(0, o.senders)
    const trafficAt = now() + 500
    senders.forEach((n, k) => n.send({ cmd: 'send', count: perSender, intervalMs, startAtMs: trafficAt + (k * intervalMs) / o.senders, firstSeq: 1 }))
    const measuredFromMs = trafficAt + o.warmup * intervalMs
    const lastSendMs = trafficAt + perSender * intervalMs
    log(`traffic: ${o.senders} senders × ${perSender} messages every ${Math.round(intervalMs)} ms`)

    // ---- faults
    const unplugged = nodes.slice(nodes.length - o.unplug)
    let unplugAt: number | undefined
    const neighborsAtUnplug = new Map<LabNode, string[]>()
    let partition: { startMs: number; endMs: number; a: number[]; b: number[] } | undefined
    if (o.unplug > 0) {
      await sleep(Math.max(0, measuredFromMs + (lastSendMs - measuredFromMs) * 0.3 - now()))
      const ids = new Set(unplugged.map((n) => n.id))
      for (const n of nodes) if (!unplugged.includes(n)) neighborsAtUnplug.set(n, [...n.neighbors()].filter((p) => ids.has(p)))
      unplugAt = now()
      await lab.network.unplug(unplugged.map((n) => n.host.index))
      log(`unplugged hosts ${unplugged.map((n) => n.host.index).join(',')}`)
    }
    if (o.partitionSeconds > 0) {
      await sleep(Math.max(0, measuredFromMs + 2_000 - now()))
      const half = Math.floor(o.hosts / 2)
      const a = nodes.slice(0, half).map((n) => n.host.index)
      const b = nodes.slice(half).map((n) => n.host.index)
      const startMs = now()
      await lab.network.partition([a, b])
      log(`partition ${a.join(',')} | ${b.join(',')} for ${o.partitionSeconds} s`)
      await sleep(o.partitionSeconds * 1000)
      await lab.network.heal()
      partition = { startMs, endMs: now(), a, b }
      log('healed')
    }

    // ---- drain
    await sleep(Math.max(0, lastSendMs - now()))
    const rtt = 2 * profile.delayMs + 2 * profile.jitterMs
    const expectedPer = (n: LabNode): number => senders.filter((s) => s !== n).length * perSender
    let lastCount = -1
    let quietSince = now()
    const quietMs = Math.max(2_000, 6 * rtt)
    const minEndMs = unplugAt === undefined ? 0 : unplugAt + o.afterUnplugMs
    await until(() => {
      const count = nodes.reduce((sum, n) => sum + rxOf(n).length, 0)
      if (count !== lastCount) {
        lastCount = count
        quietSince = now()
      }
      if (now() < minEndMs) return false
      const complete = nodes.every((n) => unplugged.includes(n) || rxOf(n).length >= expectedPer(n))
      return complete || now() - quietSince > quietMs
    }, o.maxDrainMs + Math.max(0, minEndMs - now()))
    const endAt = now()

    // ---- figures
    const live = nodes.filter((n) => !unplugged.includes(n))
    const stats = await Promise.all(live.map((n) => n.stats().catch(() => undefined)))
    const table = new DeliveryTable()
    nodes.forEach((n, i) => {
      for (const rx of rxOf(n)) table.add(i, rx)
    })
    const sent: SentMessage[] = []
    const sendTimes = new Map<string, number>()
    for (const n of nodes) for (const rx of rxOf(n)) sendTimes.set(`${rx.a}:${rx.s}`, rx.st)
    senders.forEach((n, author) => {
      for (const e of n.events) {
        if (e.ev === 'sent') sent.push({ author, seq: e.seq, sentAtMs: sendTimes.get(`${author}:${e.seq}`) ?? e.t })
      }
    })
    const unpluggedIdx = new Set(unplugged.map((n) => n.host.index))
    const cutMs = unplugAt === undefined ? Infinity : unplugAt - 1_000
    const inPartition = (m: SentMessage): boolean => partition !== undefined && m.sentAtMs >= partition.startMs - 1_000 && m.sentAtMs < partition.endMs
    const measured = sent.filter((m) => m.seq > o.warmup && !(unpluggedIdx.has(m.author) && m.sentAtMs >= cutMs) && !inPartition(m))
    const receiversOf = (m: SentMessage): number[] =>
      nodes.map((_, i) => i).filter((i) => i !== m.author && !(unpluggedIdx.has(i) && m.sentAtMs >= cutMs))
    const delivery = deliveryFigures(table, measured, receiversOf)
    const measuredKeys = new Set(measured.map((m) => `${m.author}:${m.seq}`))
    const sumStat = (key: string): number =>
      stats.reduce((sum, s) => sum + Number((s?.proto as { broadcast?: Record<string, number> } | undefined)?.broadcast?.[key] ?? 0), 0)
    const graftDeliveries = sumStat('graftDeliveries')
    const delivered = sumStat('delivered')

    const result: Record<string, unknown> = {
      bench: 'lab',
      parameters: { ...o, log: undefined, profileLink: profile, perSenderIncludingWarmup: perSender },
      formed,
      joinMs: round1(formedAt - joinAt),
      firstNeighborMs: {
        p50: round1(percentile(firstUp.filter((t) => t !== undefined).map((t) => t - joinAt), 50)),
        max: round1(Math.max(...firstUp.map((t) => (t === undefined ? Infinity : t - joinAt)))),
      },
      ...delivery,
      duplicates: table.duplicates(),
      orderViolations: table.orderViolations((a, s) => measuredKeys.has(`${a}:${s}`)),
      gaps: gapFigures(nodes.map((n) => n.events)),
      graftDeliveries,
      graftDeliveryShare: delivered === 0 ? null : Math.round((graftDeliveries / delivered) * 1e4) / 1e4,
      graftsSent: sumStat('graftsSent'),
      neighborChanges: {
        formation: neighborChanges(nodes.map((n) => n.events), -Infinity, trafficAt),
        wholeRun: neighborChanges(nodes.map((n) => n.events)),
      },
      components: lab.components(live).length,
      errors: nodes.flatMap((n) => n.events.filter((e) => e.ev === 'error').map((e) => `${n.host.index}: ${(e as { message: string }).message}`)).slice(0, 20),
      exited: nodes.filter((n) => !n.alive).map((n) => n.host.index),
      switch: await lab.network.switchStats().catch(() => undefined),
    }
    if (unplugAt !== undefined) result.unplug = repairFigures(unplugAt, neighborsAtUnplug)
    if (partition !== undefined) result.partition = partitionFigures(partition, table, sent, o.warmup)
    // With LAB_DEBUG (the nodes' DEBUG namespaces), each node's last log lines.
    if (process.env.LAB_DEBUG) result.debug = nodes.map((n) => n.stderr.slice(-40))
    result.wallMs = Math.round(endAt - wallStart)
    result.load = { ...load, after: loadavg().map((v) => Math.round(v * 100) / 100) }
    return result
  } finally {
    await lab.destroy()
  }
}

/** For each neighbor of an unplugged host: when it dropped the host, when it had a new neighbor. */
function repairFigures(unplugAt: number, neighborsAt: Map<LabNode, string[]>) {
  const detect: number[] = []
  const replace: number[] = []
  let undetected = 0
  for (const [node, lost] of neighborsAt) {
    for (const peer of lost) {
      const down = node.events.find((e) => e.ev === 'down' && e.peer === peer && e.t >= unplugAt)
      if (down === undefined) {
        undetected++
        continue
      }
      detect.push(down.t - unplugAt)
      const up = node.events.find((e) => e.ev === 'up' && e.t >= down.t)
      if (up !== undefined) replace.push(up.t - unplugAt)
    }
  }
  return {
    neighborsOfUnplugged: detect.length + undetected,
    undetected,
    detectMs: { p50: round1(percentile(detect, 50)), max: round1(detect.length === 0 ? undefined : Math.max(...detect)) },
    replaceMs: { p50: round1(percentile(replace, 50)), max: round1(replace.length === 0 ? undefined : Math.max(...replace)), replaced: replace.length },
  }
}

/** Gap events (messages the library reports will not come): how many events, how many messages in all. */
function gapFigures(events: readonly (readonly LabNodeEvent[])[]) {
  let count = 0
  let missed = 0
  for (const list of events) {
    for (const e of list) {
      if (e.ev !== 'gap') continue
      count++
      missed += e.missed
    }
  }
  return { events: count, missed }
}

/** What each half received of the other half's messages sent during the partition. */
function partitionFigures(p: { startMs: number; endMs: number; a: number[]; b: number[] }, table: DeliveryTable, sent: readonly SentMessage[], warmup: number) {
  const side = (from: number[], to: number[]) => {
    const during = sent.filter((m) => from.includes(m.author) && m.sentAtMs >= p.startMs && m.sentAtMs < p.endMs && m.seq > warmup)
    const late: number[] = []
    let got = 0
    let markedLate = 0
    let lateUnmarked = 0
    let expectedDeliveries = 0
    for (const m of during) {
      for (const r of to) {
        if (r === m.author) continue
        expectedDeliveries++
        const t = table.firstTime(r, m.author, m.seq)
        if (t === undefined) continue
        got++
        late.push(t - m.sentAtMs)
        if (table.markedLate(r, m.author, m.seq)) markedLate++
        else if (t - m.sentAtMs > LATE_AFTER_MS + 1_000) lateUnmarked++
      }
    }
    const keys = new Set(during.map((m) => `${m.author}:${m.seq}`))
    return {
      messages: during.length,
      expectedDeliveries,
      received: got,
      orderViolations: table.orderViolations((a, s) => keys.has(`${a}:${s}`), new Set(to)),
      /** Order violations among every message of the other half's authors, at this half (live ones after the heal included). */
      orderViolationsAllMessages: table.orderViolations((a) => from.includes(a), new Set(to)),
      /** Deliveries the library marked late, and deliveries more than 11 s after sending that it did not mark. */
      markedLate,
      lateUnmarked,
      latenessMs: { p50: round1(percentile(late, 50)), max: round1(late.length === 0 ? undefined : Math.max(...late)) },
    }
  }
  return {
    seconds: Math.round((p.endMs - p.startMs) / 100) / 10,
    halfA: p.a,
    halfB: p.b,
    aToB: side(p.a, p.b),
    bToA: side(p.b, p.a),
    /** Inside each half, during the partition: nothing may be lost. */
    withinA: side(p.a, p.a),
    withinB: side(p.b, p.b),
  }
}
