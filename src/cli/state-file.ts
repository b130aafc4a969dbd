/**
 * Running chats leave their current ticket in a small JSON file per process, so
 * `hearsay ticket` (another process) can print a fresh ticket for them. The files live
 * in a per-user directory; stale ones (their process is gone) are ignored and removed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

export interface RunningNode {
  readonly pid: number
  readonly id: string
  readonly topic: string
  readonly ticket: string
  /** The chat's name, if any (null: none). */
  readonly name?: string | null
  /** When the chat started (ISO time). */
  readonly startedAt?: string
  /** Current neighbors. */
  readonly neighbors?: number
  /** False while a joining chat has no neighbor yet (its ticket names only itself). */
  readonly connected?: boolean
}

/** `$XDG_RUNTIME_DIR/hearsay`, else `<tmp>/hearsay-<uid>`. */
export function defaultStateDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR
  if (runtime !== undefined && runtime !== '') return join(runtime, 'hearsay')
  return join(tmpdir(), `hearsay-${userInfo().uid}`)
}

function fileFor(dir: string, pid: number): string {
  return join(dir, `node-${pid}.json`)
}

export function writeStateFile(dir: string, node: RunningNode): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const path = fileFor(dir, node.pid)
    writeFileSync(`${path}.tmp`, JSON.stringify(node), { mode: 0o600 })
    renameSync(`${path}.tmp`, path)
  } catch {
    // Best effort: `hearsay ticket` is a convenience, the chat runs without it.
  }
}

export function removeStateFile(dir: string, pid: number): void {
  rmSync(fileFor(dir, pid), { force: true })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The chats running now (stale files are removed). */
export function runningNodes(dir: string): RunningNode[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const nodes: RunningNode[] = []
  for (const name of names) {
    const match = /^node-(\d+)\.json$/.exec(name)
    if (match === null) continue
    const pid = Number(match[1])
    if (!isAlive(pid)) {
      removeStateFile(dir, pid)
      continue
    }
    try {
      const value = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RunningNode
      if (typeof value.ticket === 'string' && typeof value.id === 'string' && typeof value.topic === 'string') nodes.push({ ...value, pid })
    } catch {
      // A file being rewritten or damaged: skip it.
    }
  }
  return nodes
}
