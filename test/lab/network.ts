/**
 * The lab network: K host namespaces around a user-space switch in a switch namespace,
 * all created by this run and deleted by name afterwards.
 *
 * Safety: nothing here touches the host's interfaces or routes. The switch process runs
 * inside `<prefix>-sw` and opens one TUN device per host there; each device is moved into
 * its host namespace `<prefix>-h<i>`, which gets 10.99.0.<i+1>/24 on it, `lo`, and a
 * multicast route for mDNS. Names are `hslab-<pid>-<hex>-…`, unique per run; namespaces
 * of earlier runs whose process is gone (same `hslab-` prefix, dead pid) are deleted
 * first, together with the processes still inside them. Deletion runs on `destroy()`,
 * and also on exit (uncaught errors included), SIGINT and SIGTERM of this process.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { LinkProfile } from './profiles.js'

const SWITCH_SCRIPT = fileURLToPath(new URL('./switch.py', import.meta.url))
const NAME_PREFIX = 'hslab-'
const STALE_NAME = /^hslab-(\d+)-[0-9a-f]+-/
/** Most hosts in one lab (the switch's limit is 200; more would not run on 2 cores anyway). */
export const MAX_LAB_HOSTS = 64
/** Each switch command must be answered within this long. */
const SWITCH_REPLY_TIMEOUT_MS = 5_000

function run(command: string, args: readonly string[], input?: string): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000, ...(input === undefined ? {} : { input }) })
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() }
}

/** Runs `lines` as one `ip -batch`, inside namespace `ns` if given. */
function ipBatch(lines: readonly string[], ns?: string): void {
  const result = run('ip', [...(ns === undefined ? [] : ['-n', ns]), '-batch', '-'], `${lines.join('\n')}\n`)
  if (!result.ok) throw new Error(`ip -batch failed: ${result.output}`)
}

/** Why the lab cannot run here (no root, no `ip`, no namespaces, no TUN, no python3), or undefined. */
export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'the network lab needs Linux'
  if (process.getuid?.() !== 0) return 'the network lab needs root (network namespaces, TUN devices)'
  if (!run('ip', ['-V']).ok) return "the 'ip' command is missing (install iproute2)"
  if (!run('python3', ['-c', 'import fcntl, select']).ok) return 'python3 is missing (the lab switch is a Python script)'
  const probe = `${NAME_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}-probe`
  const added = run('ip', ['netns', 'add', probe])
  if (!added.ok) return `cannot create a network namespace: ${added.output}`
  try {
    const tun = run('ip', ['netns', 'exec', probe, 'python3', '-c',
      "import fcntl,os,struct; fd=os.open('/dev/net/tun', os.O_RDWR); fcntl.ioctl(fd, 0x400454CA, struct.pack('16sH', b'probe0', 0x1001))"])
    return tun.ok ? undefined : `cannot create a TUN device: ${tun.output}`
  } finally {
    run('ip', ['netns', 'del', probe])
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Deletes lab namespaces left by runs whose process is gone, killing what still runs inside. */
export function removeStaleLabs(): string[] {
  const listed = run('ip', ['netns', 'list'])
  const removed: string[] = []
  for (const line of listed.output.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const match = STALE_NAME.exec(name)
    if (match === null || pidAlive(Number(match[1]))) continue
    deleteNamespace(name)
    removed.push(name)
  }
  return removed
}

/** Kills the processes inside `name` (by pid), then deletes it. Never throws. */
function deleteNamespace(name: string): void {
  for (const pid of run('ip', ['netns', 'pids', name]).output.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // gone already
    }
  }
  run('ip', ['netns', 'del', name])
}

/** One host: its namespace and address. */
export interface LabHost {
  readonly index: number
  readonly ns: string
  /** IPv4 address on its lab link, 10.99.0.<index+1>. */
  readonly addr: string
}

const live = new Set<LabNetwork>()
let hooksInstalled = false

function installExitHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', () => {
    for (const network of live) network.destroySync()
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const network of live) network.destroySync()
      process.exit(130)
    })
  }
  // An uncaught error ends the process through 'exit' (above); no handler of our own, so
  // the test runner still sees and reports it.
}

/** The namespaces and the switch of one lab run. */
export class LabNetwork {
  readonly prefix: string
  readonly hosts: readonly LabHost[]
  private readonly switchNs: string
  private readonly switchProcess: ChildProcessWithoutNullStreams
  private readonly replies: ((line: string) => void)[] = []
  private destroyed = false
  private switchExited = false
  private readonly switchErrors: string[] = []

  private constructor(prefix: string, hosts: LabHost[], switchProcess: ChildProcessWithoutNullStreams) {
    this.prefix = prefix
    this.hosts = hosts
    this.switchNs = `${prefix}-sw`
    this.switchProcess = switchProcess
    this.wire()
  }

  /** Creates `count` hosts on one switch, every link at `profile`. */
  static async create(count: number, profile: LinkProfile, seed = 1): Promise<LabNetwork> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_LAB_HOSTS) throw new RangeError(`hosts must be 1..${MAX_LAB_HOSTS}`)
    installExitHooks()
    removeStaleLabs()
    const prefix = `${NAME_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`
    const switchNs = `${prefix}-sw`
    const hosts: LabHost[] = Array.from({ length: count }, (_, i) => ({ index: i, ns: `${prefix}-h${i}`, addr: `10.99.0.${i + 1}` }))
    const names = [switchNs, ...hosts.map((h) => h.ns)]
    const cleanup = (): void => {
      for (const name of names) deleteNamespace(name)
    }
    let child: ChildProcessWithoutNullStreams | undefined
    try {
      ipBatch(names.map((n) => `netns add ${n}`))
      child = spawn('ip', ['netns', 'exec', switchNs, 'python3', SWITCH_SCRIPT, String(count), String(seed)], { stdio: ['pipe', 'pipe', 'pipe'] })
      const network = new LabNetwork(prefix, hosts, child)
      live.add(network)
      await network.nextReply('ready')
      ipBatch(hosts.map((h) => `link set tun${h.index} netns ${h.ns}`), switchNs)
      for (const h of hosts) {
        const dev = `tun${h.index}`
        ipBatch([`link set lo up`, `addr add ${h.addr}/24 dev ${dev}`, `link set ${dev} up`, `route add 224.0.0.0/4 dev ${dev}`], h.ns)
      }
      await network.setProfile(hosts.map((h) => h.index), profile)
      return network
    } catch (err) {
      child?.kill('SIGKILL')
      cleanup()
      throw err
    }
  }

  /** Sets the link profile of `hosts` (at once, while running). */
  async setProfile(hosts: readonly number[], profile: LinkProfile): Promise<void> {
    await this.command({ cmd: 'profile', hosts, profile })
  }

  /** Silently drops every packet between hosts of different groups (hosts in no group are cut off from all). */
  async partition(groups: readonly (readonly number[])[]): Promise<void> {
    await this.command({ cmd: 'partition', groups })
  }

  /** Ends the partition. */
  async heal(): Promise<void> {
    await this.command({ cmd: 'heal' })
  }

  /** Unplugs (`on`) or plugs back `hosts`: their packets vanish both ways, without any error. */
  async unplug(hosts: readonly number[], on = true): Promise<void> {
    await this.command({ cmd: 'unplug', hosts, on })
  }

  /** The switch's counters (packets received, forwarded, lost, dropped by queue, partition, unplug). */
  async switchStats(): Promise<Record<string, number>> {
    const reply = await this.command({ cmd: 'stats' })
    return JSON.parse(reply.slice('ok '.length)) as Record<string, number>
  }

  /** Stops the switch and deletes every namespace of this lab by name. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return
    if (!this.switchExited) {
      this.switchProcess.stdin.end()
      await Promise.race([new Promise((resolve) => this.switchProcess.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 1_000))])
    }
    this.destroySync()
  }

  /** Synchronous teardown (for exit hooks): kills the switch and deletes the namespaces. */
  destroySync(): void {
    if (this.destroyed) return
    this.destroyed = true
    live.delete(this)
    if (!this.switchExited) this.switchProcess.kill('SIGKILL')
    for (const name of [this.switchNs, ...this.hosts.map((h) => h.ns)]) deleteNamespace(name)
  }

  private command(message: Record<string, unknown>): Promise<string> {
    if (this.destroyed || this.switchExited) return Promise.reject(new Error(`lab switch is gone${this.switchErrors.length > 0 ? `: ${this.switchErrors.join('\n')}` : ''}`))
    this.switchProcess.stdin.write(`${JSON.stringify(message)}\n`)
    return this.nextReply(String(message.cmd))
  }

  private nextReply(what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab switch: no answer to ${what} within ${SWITCH_REPLY_TIMEOUT_MS} ms; ${this.switchErrors.join('\n')}`)), SWITCH_REPLY_TIMEOUT_MS)
      this.replies.push((line) => {
        clearTimeout(timer)
        if (line.startsWith('error')) reject(new Error(`lab switch: ${line}`))
        else resolve(line)
      })
    })
  }

  private wire(): void {
    createInterface({ input: this.switchProcess.stdout }).on('line', (line) => this.replies.shift()?.(line))
    createInterface({ input: this.switchProcess.stderr }).on('line', (line) => {
      if (this.switchErrors.length < 50) this.switchErrors.push(line)
    })
    this.switchProcess.on('exit', () => {
      this.switchExited = true
      for (const reply of this.replies.splice(0)) reply(`error switch exited ${this.switchErrors.join('\n')}`)
    })
  }
}
