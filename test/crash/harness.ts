/**
 * Crash test with OS processes (issue 8): N hearsay nodes, one per OS process, on
 * 127.0.0.1, one topic. Each round kill -9s K of them at random moments while survivors
 * broadcast, waits (bounded) for the overlay to repair, broadcasts a batch from the
 * survivors and checks that every survivor delivers every one of them; then restarts
 * the killed processes with their key files and checks that they come back with the
 * same ids, rejoin and receive a fresh broadcast. Over the whole run no process may
 * deliver a message twice.
 *
 * Used by test/crash/process-crash.test.ts and bench/crash-test.ts (`npm run crash-test`).
 * Randomness (victims, kill moments, senders, bootstrap contacts) comes from a seeded
 * RNG; the timing of the OS does not, so two runs with one seed kill the same nodes at
 * the same offsets but not at the same protocol state.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NodeAddr } from '../../src/index.js'
import { SeededRng } from '../../src/gossip/proto/index.js'
import { sample } from '../../src/gossip/proto/rng.js'

const ENTRY = fileURLToPath(new URL('./node-process.ts', import.meta.url))
const TOPIC = 'c8'.repeat(32)

export interface CrashOptions {
  /** Node processes. @default 20 */
  nodes: number
  /** Processes killed per round. @default nodes / 2 */
  kill: number
  /** Kill / repair / restart rounds. @default 1 */
  rounds: number
  seed: number
  /** Window in which the kills happen while survivors broadcast. @default 3_000 */
  churnMs: number
  /** One broadcast from a random survivor every this many ms during the churn window. @default 50 */
  churnBroadcastEveryMs: number
  /** Messages broadcast by the survivors after repair, per round. @default 100 */
  postRepairMessages: number
  /** Bound on the wait for repair. @default 30_000 */
  repairTimeoutMs: number
  /** Bound on each wait for deliveries. @default 20_000 */
  deliveryTimeoutMs: number
  /** Processes started at once before waiting for them to be ready. @default 4 */
  startBatch: number
  /** Progress lines (stderr in the script). */
  log: (line: string) => void
}

export interface RoundSummary {
  round: number
  killed: number
  survivors: number
  /** Broadcasts by survivors while the kills happened. */
  churnBroadcasts: number
  /** Of those, the share the survivors delivered (not required to be 100 %: some were sent into dead links). */
  churnDeliveryRatio: number
  /** Up to 20 (message, survivor) pairs of the churn window never delivered by the end of the round. */
  churnMissing: string[]
  /** From the last kill until every survivor had only live neighbors and the survivors' overlay was connected. */
  repairMs: number
  repaired: boolean
  /** Survivors' active view sizes once repaired (the overlay keeps refilling them afterwards). */
  survivorActiveViewMin: number
  survivorActiveViewMax: number
  postRepairMessages: number
  /** Survivor deliveries expected: messages x (survivors - 1), the author excluded. */
  postRepairExpected: number
  postRepairDelivered: number
  postRepairDeliveryRatio: number
  /** Until every survivor had delivered the whole batch (from its first broadcast). */
  postRepairDeliveryMs: number
  restarted: number
  restartedSameIds: number
  /** From the join commands until every restarted process had a neighbor. */
  rejoinMs: number
  rejoined: number
  /** Per restarted process, from the join commands to its first neighbor (sorted; negative: a survivor asked it back first). */
  rejoinTimesMs: number[]
  /** Fresh broadcasts after the restart, delivered to every live process (author excluded). */
  freshMessages: number
  freshExpected: number
  freshDelivered: number
  freshDeliveryRatio: number
}

export interface CrashSummary {
  nodes: number
  killPerRound: number
  rounds: number
  seed: number
  entry: 'bundle' | 'tsx'
  startupMs: number
  joinMs: number
  roundResults: RoundSummary[]
  /** Deliveries of an id a process (incarnation) had already delivered, over the whole run. */
  duplicates: number
  duplicateDetails: string[]
  lagged: number
  errors: string[]
  processesStarted: number
  wallMs: number
  ok: boolean
}

export const DEFAULT_CRASH_OPTIONS: CrashOptions = {
  nodes: 20,
  kill: 10,
  rounds: 1,
  seed: 1,
  churnMs: 3_000,
  churnBroadcastEveryMs: 50,
  postRepairMessages: 100,
  repairTimeoutMs: 30_000,
  deliveryTimeoutMs: 20_000,
  startBatch: 4,
  log: () => {},
}

interface NodeEvent {
  ev: string
  id?: string
  author?: string
  tag?: string
  peers?: string[]
  addr?: NodeAddr
  missed?: number
  message?: string
}

/** One incarnation of one node: a child process and what it reported. */
export class NodeProcess {
  id = ''
  addr: NodeAddr | undefined
  neighbors: string[] = []
  /** When this process first reported a neighbor (Date.now()). */
  firstNeighborAt: number | undefined
  alive = true
  readonly delivered = new Map<string, number>()
  readonly duplicates: string[] = []
  readonly sent = new Map<string, string>()
  readonly errors: string[] = []
  lagged = 0
  readonly exited: Promise<void>
  private readonly child: ChildProcessWithoutNullStreams
  private readonly stderrTail: string[] = []
  private buffer = ''

  constructor(
    readonly slot: number,
    command: readonly string[],
  ) {
    const [exe, ...args] = command
    this.child = spawn(exe as string, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '' } })
    this.child.stdout.setEncoding('utf8')
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk
      const lines = this.buffer.split('\n')
      this.buffer = lines.pop() ?? ''
      for (const line of lines) this.onLine(line)
    })
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail.push(chunk)
      if (this.stderrTail.length > 20) this.stderrTail.shift()
    })
    // A write to a killed process fails with EPIPE; the process is known dead by then.
    this.child.stdin.on('error', () => {})
    this.exited = new Promise((resolve) =>
      this.child.on('exit', () => {
        this.alive = false
        resolve()
      }),
    )
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get stderr(): string {
    return this.stderrTail.join('')
  }

  send(command: Record<string, unknown>): void {
    if (this.alive) this.child.stdin.write(`${JSON.stringify(command)}\n`)
  }

  kill9(): void {
    if (this.alive) this.child.kill('SIGKILL')
  }

  private onLine(line: string): void {
    let event: NodeEvent
    try {
      event = JSON.parse(line) as NodeEvent
    } catch {
      this.errors.push(`slot ${this.slot}: not JSON: ${line.slice(0, 200)}`)
      return
    }
    switch (event.ev) {
      case 'ready':
        this.id = event.id ?? ''
        this.addr = event.addr
        return
      case 'recv': {
        const id = event.id ?? ''
        const count = (this.delivered.get(id) ?? 0) + 1
        this.delivered.set(id, count)
        if (count > 1) this.duplicates.push(`slot ${this.slot} (${this.id.slice(0, 8)}) delivered ${event.tag ?? id} ${count} times`)
        return
      }
      case 'sent':
        this.sent.set(event.tag ?? '', event.id ?? '')
        return
      case 'nbrs':
        this.neighbors = event.peers ?? []
        if (this.neighbors.length > 0) this.firstNeighborAt ??= Date.now()
        return
      case 'lagged':
        this.lagged += event.missed ?? 0
        return
      case 'error':
        this.errors.push(`slot ${this.slot}: ${event.message ?? ''}`)
        return
    }
  }
}

/** Polls `predicate` every `pollMs` until it holds (true) or `timeoutMs` passed (false). */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (predicate()) return true
    if (Date.now() >= deadline) return false
    await delay(pollMs)
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * The command that starts one node process. Bundling node-process.ts with esbuild (which
 * tsx ships) once makes each start ~0.4 s instead of ~1.4 s under `--import tsx`: 20 of
 * them on 2 cores is the difference between ~4 s and ~15 s. Falls back to tsx.
 */
export async function nodeCommand(dir: string): Promise<{ command: string[]; entry: 'bundle' | 'tsx' }> {
  try {
    const esbuild = (await import('esbuild')) as typeof import('esbuild')
    const outfile = join(dir, 'node-process.mjs')
    await esbuild.build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'silent',
      // CommonJS dependencies inside an ES module bundle need a `require`.
      banner: { js: "import { createRequire as __hearsayCreateRequire } from 'node:module'; const require = __hearsayCreateRequire(import.meta.url);" },
    })
    return { command: [process.execPath, outfile], entry: 'bundle' }
  } catch {
    return { command: [process.execPath, '--import', 'tsx', ENTRY], entry: 'tsx' }
  }
}

export async function runCrashTest(input: Partial<CrashOptions> = {}): Promise<CrashSummary> {
  const options: CrashOptions = { ...DEFAULT_CRASH_OPTIONS, ...input }
  if (input.kill === undefined) options.kill = Math.floor(options.nodes / 2)
  if (options.nodes < 3 || options.kill < 1 || options.kill > options.nodes - 2) {
    throw new Error(`need nodes >= 3 and 1 <= kill <= nodes - 2 (got nodes ${options.nodes}, kill ${options.kill})`)
  }
  const { log } = options
  const rng = new SeededRng(options.seed, 8)
  const started = Date.now()
  const dir = await mkdtemp(join(tmpdir(), 'hearsay-crash-'))
  const all: NodeProcess[] = []
  const slots: NodeProcess[] = []
  const ports: number[] = []
  const keyFile = (slot: number) => join(dir, `node-${slot}.key`)
  try {
    const { command, entry } = await nodeCommand(dir)
    log(`entry: ${entry}`)

    const spawnSlot = (slot: number): NodeProcess => {
      const port = ports[slot] ?? 0
      const proc = new NodeProcess(slot, [...command, '--key-file', keyFile(slot), '--topic', TOPIC, '--listen', `127.0.0.1:${port}`])
      all.push(proc)
      slots[slot] = proc
      return proc
    }
    const waitReady = async (procs: NodeProcess[]) => {
      const ok = await waitUntil(() => procs.every((p) => p.addr !== undefined || !p.alive), 30_000)
      const bad = procs.filter((p) => p.addr === undefined)
      if (!ok || bad.length > 0) {
        throw new Error(`node processes not ready: ${bad.map((p) => `slot ${p.slot}: ${p.stderr}`).join('\n')}`)
      }
      for (const p of procs) ports[p.slot] = Number(p.addr?.addrs[0]?.split(':').pop() ?? 0)
    }

    // Start, a few at a time: 2 cores.
    for (let first = 0; first < options.nodes; first += options.startBatch) {
      const batch: NodeProcess[] = []
      for (let slot = first; slot < Math.min(options.nodes, first + options.startBatch); slot++) batch.push(spawnSlot(slot))
      await waitReady(batch)
    }
    const startupMs = Date.now() - started
    log(`${options.nodes} processes ready in ${startupMs} ms`)

    // Join: each process through up to two earlier ones, one after the other.
    const joinStarted = Date.now()
    for (let slot = 1; slot < options.nodes; slot++) {
      const contacts = sample(rng, slots.slice(0, slot), Math.min(2, slot))
      const proc = slots[slot] as NodeProcess
      proc.send({ cmd: 'join', peers: contacts.map((c) => c.addr) })
      if (!(await waitUntil(() => proc.neighbors.length > 0, 10_000))) throw new Error(`slot ${slot} did not join: ${proc.stderr}`)
    }
    // Joined means: a broadcast reaches everyone.
    let tagCounter = 0
    const broadcast = (proc: NodeProcess, kind: string): string => {
      const tag = `${kind}-${tagCounter++}-s${proc.slot}`
      proc.send({ cmd: 'broadcast', tag })
      return tag
    }
    const idsOf = async (pairs: Array<[NodeProcess, string]>): Promise<Array<{ author: NodeProcess; id: string }>> => {
      await waitUntil(() => pairs.every(([p, tag]) => p.sent.has(tag) || !p.alive), 10_000)
      return pairs.flatMap(([p, tag]) => {
        const id = p.sent.get(tag)
        return id === undefined ? [] : [{ author: p, id }]
      })
    }
    const countDelivered = (receivers: NodeProcess[], messages: Array<{ author: NodeProcess; id: string }>) => {
      let expected = 0
      let delivered = 0
      for (const r of receivers) {
        for (const m of messages) {
          if (m.author === r) continue
          expected++
          if (r.delivered.has(m.id)) delivered++
        }
      }
      return { expected, delivered }
    }
    const warm = await idsOf([[slots[0] as NodeProcess, broadcast(slots[0] as NodeProcess, 'warmup')]])
    const warmed = await waitUntil(() => {
      const { expected, delivered } = countDelivered(slots, warm)
      return delivered === expected
    }, options.deliveryTimeoutMs)
    if (!warmed) throw new Error(`warm-up broadcast not delivered everywhere: ${JSON.stringify(countDelivered(slots, warm))}`)
    const joinMs = Date.now() - joinStarted
    log(`joined and warm-up delivered in ${joinMs} ms`)

    const roundResults: RoundSummary[] = []
    for (let round = 1; round <= options.rounds; round++) {
      roundResults.push(await crashRound(round))
    }

    async function crashRound(round: number): Promise<RoundSummary> {
      const victims = sample(rng, slots, options.kill)
      const survivors = slots.filter((p) => !victims.includes(p))
      const killAt = victims.map(() => Math.floor(rng.nextFloat() * options.churnMs)).sort((a, b) => a - b)
      log(`round ${round}: killing slots ${victims.map((v) => v.slot).join(',')} at ${killAt.join(',')} ms`)

      // Churn: survivors broadcast while victims are killed at their moments.
      const churn: Array<[NodeProcess, string]> = []
      const churnStarted = Date.now()
      let killed = 0
      let lastKillAt = churnStarted
      const survivorIds = new Set(survivors.map((p) => p.id))
      // Repair is checked from the last kill on, also during the rest of the churn window.
      let repairedAt: number | undefined
      const maxTicks = Math.ceil(options.churnMs / options.churnBroadcastEveryMs) + 10
      for (let tick = 0; tick < maxTicks; tick++) {
        const elapsed = Date.now() - churnStarted
        while (killed < victims.length && (killAt[killed] ?? 0) <= elapsed) {
          ;(victims[killed] as NodeProcess).kill9()
          lastKillAt = Date.now()
          killed++
        }
        if (killed === victims.length && repairedAt === undefined && isRepaired(survivors, survivorIds)) repairedAt = Date.now()
        if (elapsed >= options.churnMs && killed === victims.length) break
        const sender = survivors[rng.int(survivors.length)] as NodeProcess
        churn.push([sender, broadcast(sender, `r${round}-churn`)])
        await delay(options.churnBroadcastEveryMs)
      }
      for (; killed < victims.length; killed++) {
        ;(victims[killed] as NodeProcess).kill9()
        lastKillAt = Date.now()
      }
      await Promise.race([Promise.all(victims.map((v) => v.exited)), delay(5_000)])
      const churnMessages = await idsOf(churn)

      // Repair: every survivor has a neighbor, none of them dead, and the survivors' overlay is connected.
      const repaired =
        repairedAt !== undefined ||
        (await waitUntil(() => {
          if (!isRepaired(survivors, survivorIds)) return false
          repairedAt = Date.now()
          return true
        }, options.repairTimeoutMs))
      const repairMs = (repairedAt ?? Date.now()) - lastKillAt
      const activeViews = survivors.map((p) => p.neighbors.length)
      log(`round ${round}: ${repaired ? 'repaired' : 'NOT repaired'} ${repairMs} ms after the last kill; survivors' active views ${activeViews.join(',')}`)
      if (!repaired) {
        for (const p of survivors) log(`  slot ${p.slot} ${p.id.slice(0, 8)} neighbors ${p.neighbors.map((n) => n.slice(0, 8)).join(',')}`)
      }

      // Post-repair batch, round robin over the survivors.
      const batch: Array<[NodeProcess, string]> = []
      const batchStarted = Date.now()
      for (let i = 0; i < options.postRepairMessages; i++) {
        const sender = survivors[i % survivors.length] as NodeProcess
        batch.push([sender, broadcast(sender, `r${round}-post`)])
        if (i % 10 === 9) await delay(10)
      }
      const batchMessages = await idsOf(batch)
      await waitUntil(() => {
        const { expected, delivered } = countDelivered(survivors, batchMessages)
        return delivered === expected
      }, options.deliveryTimeoutMs)
      const postRepairDeliveryMs = Date.now() - batchStarted
      const post = countDelivered(survivors, batchMessages)
      if (batchMessages.length < options.postRepairMessages) post.expected += (options.postRepairMessages - batchMessages.length) * (survivors.length - 1)
      log(`round ${round}: post-repair ${post.delivered}/${post.expected} in ${postRepairDeliveryMs} ms`)

      // Restart the victims with their key files (and old ports), join through survivors.
      const oldIds = new Map(victims.map((v) => [v.slot, v.id]))
      const restarted = victims.map((v) => spawnSlot(v.slot))
      await waitReady(restarted)
      const restartedSameIds = restarted.filter((p) => p.id === oldIds.get(p.slot)).length
      const rejoinStarted = Date.now()
      for (const p of restarted) {
        p.send({ cmd: 'join', peers: sample(rng, survivors, 2).map((s) => s.addr) })
      }
      await waitUntil(() => restarted.every((p) => p.neighbors.length > 0), options.repairTimeoutMs)
      const rejoinMs = Date.now() - rejoinStarted
      const rejoined = restarted.filter((p) => p.neighbors.length > 0).length
      const rejoinTimes = restarted.map((p) => (p.firstNeighborAt ?? Date.now()) - rejoinStarted).sort((a, b) => a - b)
      log(`round ${round}: rejoin times ${rejoinTimes.join(',')} ms`)
      log(`round ${round}: ${restarted.length} restarted (${restartedSameIds} same ids), ${rejoined} rejoined in ${rejoinMs} ms`)

      // Fresh broadcasts after the restart: one from a survivor and one from a restarted process.
      const fresh = await idsOf([
        [survivors[0] as NodeProcess, broadcast(survivors[0] as NodeProcess, `r${round}-fresh`)],
        [restarted[0] as NodeProcess, broadcast(restarted[0] as NodeProcess, `r${round}-fresh`)],
      ])
      await waitUntil(() => {
        const { expected, delivered } = countDelivered(slots, fresh)
        return delivered === expected
      }, options.deliveryTimeoutMs)
      const freshCount = countDelivered(slots, fresh)
      if (fresh.length < 2) freshCount.expected += (2 - fresh.length) * (slots.length - 1)
      log(`round ${round}: fresh ${freshCount.delivered}/${freshCount.expected}`)
      // Messages from the churn window, counted at the end of the round (seconds later).
      const churnCount = countDelivered(survivors, churnMessages)
      const churnMissing = survivors.flatMap((r) =>
        churnMessages.filter((m) => m.author !== r && !r.delivered.has(m.id)).map((m) => `${m.id.slice(0, 8)} from slot ${m.author.slot} at slot ${r.slot}`),
      )
      if (churnMissing.length > 0) log(`round ${round}: churn messages missing: ${churnMissing.slice(0, 10).join('; ')}`)

      return {
        round,
        killed: victims.length,
        survivors: survivors.length,
        churnBroadcasts: churnMessages.length,
        churnDeliveryRatio: ratio(churnCount.delivered, churnCount.expected),
        churnMissing: churnMissing.slice(0, 20),
        repairMs,
        repaired,
        survivorActiveViewMin: Math.min(...activeViews),
        survivorActiveViewMax: Math.max(...activeViews),
        postRepairMessages: options.postRepairMessages,
        postRepairExpected: post.expected,
        postRepairDelivered: post.delivered,
        postRepairDeliveryRatio: ratio(post.delivered, post.expected),
        postRepairDeliveryMs,
        restarted: restarted.length,
        restartedSameIds,
        rejoinMs,
        rejoined,
        rejoinTimesMs: rejoinTimes,
        freshMessages: 2,
        freshExpected: freshCount.expected,
        freshDelivered: freshCount.delivered,
        freshDeliveryRatio: ratio(freshCount.delivered, freshCount.expected),
      }
    }

    const duplicateDetails = all.flatMap((p) => p.duplicates)
    const errors = all.flatMap((p) => p.errors)
    const lagged = all.reduce((sum, p) => sum + p.lagged, 0)
    const ok =
      duplicateDetails.length === 0 &&
      errors.length === 0 &&
      lagged === 0 &&
      roundResults.every(
        (r) =>
          r.repaired &&
          r.postRepairDelivered === r.postRepairExpected &&
          r.restartedSameIds === r.restarted &&
          r.rejoined === r.restarted &&
          r.freshDelivered === r.freshExpected,
      )
    return {
      nodes: options.nodes,
      killPerRound: options.kill,
      rounds: options.rounds,
      seed: options.seed,
      entry,
      startupMs,
      joinMs,
      roundResults,
      duplicates: duplicateDetails.length,
      duplicateDetails: duplicateDetails.slice(0, 20),
      lagged,
      errors: errors.slice(0, 20),
      processesStarted: all.length,
      wallMs: Date.now() - started,
      ok,
    }
  } finally {
    for (const p of all) p.kill9()
    await Promise.race([Promise.all(all.map((p) => p.exited)), delay(5_000)])
    await rm(dir, { recursive: true, force: true })
  }
}

function ratio(a: number, b: number): number {
  return b === 0 ? 1 : a / b
}

/** Every survivor has neighbors, all of them survivors, and the survivors' graph is connected. */
function isRepaired(survivors: readonly NodeProcess[], survivorIds: ReadonlySet<string>): boolean {
  const byId = new Map(survivors.map((p) => [p.id, p]))
  for (const p of survivors) {
    if (p.neighbors.length === 0) return false
    if (p.neighbors.some((n) => !survivorIds.has(n))) return false
  }
  const first = survivors[0]
  if (first === undefined) return true
  const seen = new Set([first.id])
  const stack = [first]
  for (let guard = 0; stack.length > 0 && guard < survivors.length * survivors.length; guard++) {
    const p = stack.pop() as NodeProcess
    for (const n of p.neighbors) {
      if (seen.has(n)) continue
      seen.add(n)
      const next = byId.get(n)
      if (next !== undefined) stack.push(next)
    }
  }
  return seen.size === survivors.length
}
