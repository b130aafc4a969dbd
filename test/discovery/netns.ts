/**
 * Network namespaces for tests that multicast. Safety rule: nothing here touches a
 * real interface. Namespaces are created by this test run with random names
 * (`hs-test-<hex>-<suffix>`), hold only `lo` and veth ends with 10.200.0.0/24
 * addresses, and are deleted by name afterwards. Child processes run inside them via
 * `ip netns exec`, in their own process group, and are killed by pid.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { waitUntil } from '../helpers/wait-until.js'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

function ip(args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 })
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() }
}

function ipOrThrow(args: string[]): void {
  const result = ip(args)
  if (!result.ok) throw new Error(`ip ${args.join(' ')} failed: ${result.output}`)
}

/** Why namespace tests cannot run here, or undefined when they can (creates and deletes one probe namespace). */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root)'
  if (!ip(['-V']).ok) return "the 'ip' command is missing (install the iproute2 package)"
  const probe = `hs-test-${randomBytes(4).toString('hex')}-probe`
  const added = ip(['netns', 'add', probe])
  ip(['netns', 'del', probe])
  return added.ok ? undefined : `cannot create a network namespace: ${added.output}`
}

/** Two namespaces ("hosts") joined by a veth pair: a = 10.200.0.1, b = 10.200.0.2, multicast routed over the veth. */
export interface HostPair {
  readonly a: string
  readonly b: string
  readonly addrA: '10.200.0.1'
  readonly addrB: '10.200.0.2'
  /** Deletes both namespaces (and with them the veth pair). Never throws. */
  destroy(): void
}

export function createHostPair(): HostPair {
  const tag = randomBytes(4).toString('hex')
  const a = `hs-test-${tag}-a`
  const b = `hs-test-${tag}-b`
  const destroy = (): void => {
    for (const ns of [a, b]) ip(['netns', 'del', ns])
  }
  try {
    ipOrThrow(['netns', 'add', a])
    ipOrThrow(['netns', 'add', b])
    // Created inside namespace a, the peer end moved straight into b: never in the host namespace.
    ipOrThrow(['-n', a, 'link', 'add', 'hsveth0', 'type', 'veth', 'peer', 'name', 'hsveth1', 'netns', b])
    for (const [ns, dev, addr] of [[a, 'hsveth0', '10.200.0.1/24'], [b, 'hsveth1', '10.200.0.2/24']] as const) {
      ipOrThrow(['-n', ns, 'addr', 'add', addr, 'dev', dev])
      ipOrThrow(['-n', ns, 'link', 'set', 'lo', 'up'])
      ipOrThrow(['-n', ns, 'link', 'set', dev, 'up'])
      ipOrThrow(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev])
    }
  } catch (err) {
    destroy()
    throw err
  }
  return { a, b, addrA: '10.200.0.1', addrB: '10.200.0.2', destroy }
}

/** One namespace with only `lo` up, multicast enabled on it and routed to it. */
export function createLoopbackHost(): { readonly ns: string; destroy(): void } {
  const ns = `hs-test-${randomBytes(4).toString('hex')}-lo`
  const destroy = (): void => {
    ip(['netns', 'del', ns])
  }
  try {
    ipOrThrow(['netns', 'add', ns])
    ipOrThrow(['-n', ns, 'link', 'set', 'lo', 'multicast', 'on'])
    ipOrThrow(['-n', ns, 'link', 'set', 'lo', 'up'])
    ipOrThrow(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo'])
  } catch (err) {
    destroy()
    throw err
  }
  return { ns, destroy }
}

export type ChildEvent = Record<string, unknown> & { readonly event: string }

/** A child process inside a namespace, with its JSON-line events. */
export class NsChild {
  readonly events: ChildEvent[] = []
  readonly stderr: string[] = []
  readonly waiters = new Set<() => void>()
  private readonly process: ChildProcess
  exitCode: number | null = null

  constructor(
    readonly name: string,
    namespace: string,
    script: string,
    args: string[],
  ) {
    this.process = spawn('ip', ['netns', 'exec', namespace, process.execPath, '--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      detached: true, // own process group: kill() reaches everything it started
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ChildEvent)
      } catch {
        this.stderr.push(`(stdout) ${line}`)
      }
      this.wake()
    })
    createInterface({ input: this.process.stderr! }).on('line', (line) => this.stderr.push(line))
    this.process.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal === null ? -1 : 128)
      this.wake()
    })
  }

  get alive(): boolean {
    return this.exitCode === null
  }

  send(command: Record<string, unknown>): void {
    this.process.stdin?.write(`${JSON.stringify(command)}\n`)
  }

  /** Resolves with the first event (already seen or future) matching `predicate`; rejects after `timeoutMs` or if the child exits. */
  waitFor(predicate: (event: ChildEvent) => boolean, what: string, timeoutMs = 10_000): Promise<ChildEvent> {
    const seen = (): string => `events ${JSON.stringify(this.events)}; stderr ${this.stderr.join('\n')}`
    return waitUntil(this, () => this.events.find(predicate), timeoutMs, {
      gone: () => new Error(`${this.name} exited (${this.exitCode}) before ${what}; ${seen()}`),
      timedOut: () => new Error(`${this.name}: no ${what} within ${timeoutMs} ms; ${seen()}`),
    })
  }

  /** Kills the child's process group by pid. Safe to call twice. */
  kill(): void {
    const pid = this.process.pid
    if (pid === undefined || !this.alive) return
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter()
  }
}
