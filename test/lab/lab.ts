/**
 * The network lab: real hearsay nodes, one OS process per host namespace, over the
 * user-space switch of network.ts. Tests and `npm run lab` use it the same way:
 *
 *   const lab = await Lab.create({ hosts: 12, profile: PROFILES.wifi })
 *   try { await lab.startNodes(); await lab.joinChain(); ... } finally { await lab.destroy() }
 *
 * The node program (lab-node.ts) is bundled with esbuild once per run into a temporary
 * directory, so a node starts in well under a second without a TypeScript loader.
 * Every wait is bounded; every process started here is killed by pid on destroy.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { NodeAddr } from '../../src/index.js'
import type { LabNodeCommand, LabNodeConfig, LabNodeEvent } from './lab-node.js'
import { LabNetwork, type LabHost } from './network.js'
import type { LinkProfile } from './profiles.js'
import { waitUntil } from '../helpers/wait-until.js'

const NODE_SOURCE = fileURLToPath(new URL('./lab-node.ts', import.meta.url))
/** TCP port every lab node listens on (each host has its own address). */
export const LAB_PORT = 7000
/** Events kept per node (a run of 12 senders × 240 messages stays far below). */
const MAX_EVENTS_PER_NODE = 500_000

export interface LabOptions {
  readonly hosts: number
  readonly profile: LinkProfile
  readonly seed?: number
}

export interface NodeStartOptions {
  /** Payload size of `send`, bytes (at least the header). @default 64 */
  readonly sizeBytes?: number
  /** Discover through mDNS on the lab link instead of bootstrap peers. */
  readonly mdns?: { readonly intervalMs: number }
  readonly transportOptions?: LabNodeConfig['transportOptions']
}

/** A running lab node: its host, its events, its commands. */
export class LabNode {
  readonly events: LabNodeEvent[] = []
  readonly stderr: string[] = []
  id = ''
  addrs: readonly string[] = []
  private readonly child: ChildProcessWithoutNullStreams
  readonly waiters = new Set<() => void>()
  exitCode: number | null = null

  constructor(readonly host: LabHost, script: string, config: LabNodeConfig) {
    this.child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DEBUG: process.env.LAB_DEBUG ?? '' } })
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let event: LabNodeEvent
      try {
        event = JSON.parse(line) as LabNodeEvent
      } catch {
        this.note(`(stdout) ${line}`)
        return
      }
      if (event.ev === 'ready') {
        this.id = event.id
        this.addrs = event.addrs
      }
      if (this.events.length < MAX_EVENTS_PER_NODE) this.events.push(event)
      for (const wake of [...this.waiters]) wake()
    })
    createInterface({ input: this.child.stderr }).on('line', (line) => this.note(line))
    this.child.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal === null ? -1 : 128)
      for (const wake of [...this.waiters]) wake()
    })
  }

  get alive(): boolean {
    return this.exitCode === null
  }

  get addr(): NodeAddr {
    return { id: this.id, addrs: [...this.addrs] }
  }

  send(command: LabNodeCommand): void {
    if (this.alive) this.child.stdin.write(`${JSON.stringify(command)}\n`)
  }

  /** The current neighbors, from the node's up/down events. */
  neighbors(): Set<string> {
    const set = new Set<string>()
    for (const e of this.events) {
      if (e.ev === 'up') set.add(e.peer)
      else if (e.ev === 'down') set.delete(e.peer)
    }
    return set
  }

  /** Resolves once `predicate` holds for this node (checked at every event); rejects after `timeoutMs` or if it exits. */
  waitFor(predicate: (node: LabNode) => boolean, what: string, timeoutMs: number): Promise<void> {
    const stderr = (): string => this.stderr.slice(-10).join('\n')
    return waitUntil(this, () => (predicate(this) ? true : undefined), timeoutMs, {
      gone: () => new Error(`host ${this.host.index} exited (${this.exitCode}) before ${what}; stderr: ${stderr()}`),
      timedOut: () => new Error(`host ${this.host.index}: no ${what} within ${timeoutMs} ms; stderr: ${stderr()}`),
    }).then(() => undefined)
  }

  /** Asks for counters and waits (bounded) for the answer. */
  async stats(timeoutMs = 5_000): Promise<Extract<LabNodeEvent, { ev: 'stats' }>> {
    const before = this.events.length
    this.send({ cmd: 'stats' })
    await this.waitFor((n) => n.events.slice(before).some((e) => e.ev === 'stats'), 'stats', timeoutMs)
    return this.events.slice(before).find((e) => e.ev === 'stats') as Extract<LabNodeEvent, { ev: 'stats' }>
  }

  /** Kills the node at once (as a crash would; its sockets close). */
  kill(): void {
    if (this.alive) this.child.kill('SIGKILL')
  }

  private note(line: string): void {
    this.stderr.push(line)
    if (this.stderr.length > 400) this.stderr.splice(0, 200) // keep the latest (capped)
  }
}

/** A lab run: network, nodes, and the bundled node program. */
export class Lab {
  readonly nodes: LabNode[] = []
  private constructor(
    readonly network: LabNetwork,
    private readonly workDir: string,
    private readonly script: string,
    readonly topic: string,
    private readonly seed: number,
  ) {}

  /** Creates the network and bundles the node program. Delete with `destroy()`. */
  static async create(options: LabOptions): Promise<Lab> {
    const workDir = mkdtempSync(join(tmpdir(), 'hslab-'))
    const script = join(workDir, 'lab-node.mjs')
    try {
      await build({
        entryPoints: [NODE_SOURCE],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'warning',
        outfile: script,
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      })
    } catch (err) {
      rmSync(workDir, { recursive: true, force: true })
      throw err
    }
    const seed = options.seed ?? 1
    let network: LabNetwork
    try {
      network = await LabNetwork.create(options.hosts, options.profile, seed)
    } catch (err) {
      rmSync(workDir, { recursive: true, force: true })
      throw err
    }
    const topic = (seed.toString(16).padStart(2, '0').slice(-2) + 'ab').repeat(16)
    return new Lab(network, workDir, script, topic, seed)
  }

  get hosts(): readonly LabHost[] {
    return this.network.hosts
  }

  /** Starts one node per host (or on `hosts`) and waits until each is listening. */
  async startNodes(options: NodeStartOptions = {}, hosts: readonly number[] = this.hosts.map((h) => h.index), timeoutMs = 20_000): Promise<LabNode[]> {
    const started = hosts.map((i) => {
      const host = this.hosts[i] as LabHost
      const config: LabNodeConfig = {
        index: i,
        listen: `${host.addr}:${LAB_PORT}`,
        topic: this.topic,
        seed: this.seed * 1000 + i,
        sizeBytes: options.sizeBytes ?? 64,
        ...(options.mdns === undefined ? {} : { mdns: { interface: host.addr, intervalMs: options.mdns.intervalMs } }),
        ...(options.transportOptions === undefined ? {} : { transportOptions: options.transportOptions }),
      }
      const node = new LabNode(host, this.script, config)
      this.nodes[i] = node
      return node
    })
    await Promise.all(started.map((n) => n.waitFor((x) => x.id !== '', 'ready', timeoutMs)))
    return started
  }

  /** Joins every node but the first through up to `degree` random earlier nodes (as the fan-out bench does). */
  joinRandomEarlier(degree = 3, rng: () => number = mulberry(this.seed)): void {
    const nodes = this.nodes
    for (let i = 1; i < nodes.length; i++) {
      const contacts = new Set<number>()
      while (contacts.size < Math.min(degree, i)) contacts.add(Math.floor(rng() * i))
      nodes[i]?.send({ cmd: 'join', bootstrap: [...contacts].map((c) => (nodes[c] as LabNode).addr) })
    }
    nodes[0]?.send({ cmd: 'join', bootstrap: [] })
  }

  /** Waits (bounded) until every live node has at least `min` neighbors. */
  async waitForNeighbors(min: number, timeoutMs: number): Promise<void> {
    await Promise.all(this.nodes.filter((n) => n.alive).map((n) => n.waitFor((x) => x.neighbors().size >= min, `${min} neighbor(s)`, timeoutMs)))
  }

  /** Connected components of the overlay as the nodes' events describe it (only nodes in `among`). */
  components(among: readonly LabNode[] = this.nodes): string[][] {
    const ids = new Set(among.map((n) => n.id))
    const adjacency = new Map<string, Set<string>>()
    for (const n of among) adjacency.set(n.id, new Set([...n.neighbors()].filter((p) => ids.has(p))))
    const seen = new Set<string>()
    const out: string[][] = []
    for (const start of ids) {
      if (seen.has(start)) continue
      const component: string[] = []
      const stack = [start]
      seen.add(start)
      while (stack.length > 0) {
        const id = stack.pop() as string
        component.push(id)
        for (const next of adjacency.get(id) ?? []) {
          if (!seen.has(next)) {
            seen.add(next)
            stack.push(next)
          }
        }
      }
      out.push(component)
    }
    return out
  }

  /** Kills every node, stops the switch, deletes the namespaces and the bundle. Never throws. */
  async destroy(): Promise<void> {
    for (const node of this.nodes) node?.kill()
    await this.network.destroy().catch(() => this.network.destroySync())
    rmSync(this.workDir, { recursive: true, force: true })
  }
}

/** A small seeded generator for the lab's random choices. */
export function mulberry(seed: number): () => number {
  let a = seed >>> 0 || 1
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
