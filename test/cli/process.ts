/** Runs `hearsay` CLI processes for end-to-end tests and reads their output line by line. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url))

export class CliProcess {
  readonly lines: string[] = []
  readonly stderr: string[] = []
  readonly exited: Promise<number | null>
  private readonly child: ChildProcessWithoutNullStreams
  private buffer = ''

  /** Runs `hearsay args`; with `netns`, inside that network namespace (`ip netns exec`). */
  constructor(args: readonly string[], netns?: string) {
    const [command, argv] =
      netns === undefined ? [process.execPath, [BIN, ...args]] : ['ip', ['netns', 'exec', netns, process.execPath, BIN, ...args]]
    this.child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '' } })
    this.child.stdout.setEncoding('utf8')
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk
      const parts = this.buffer.split('\n')
      this.buffer = parts.pop() ?? ''
      this.lines.push(...parts)
    })
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (chunk: string) => this.stderr.push(chunk))
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)))
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  /** JSON events printed so far (with --json). */
  events(): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`)
  }

  endInput(): void {
    this.child.stdin.end()
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal)
  }

  /** Waits (polling every 20 ms, at most `timeoutMs`) until `predicate` holds for the output. */
  async waitFor(predicate: (p: CliProcess) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr.join('')}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

/** Runs a CLI command to completion (bounded), returning its exit code and output. */
export async function runCli(args: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = new CliProcess(args)
  proc.endInput()
  const timer = setTimeout(() => proc.kill(), timeoutMs)
  const code = await proc.exited
  clearTimeout(timer)
  return { code, stdout: proc.lines.join('\n'), stderr: proc.stderr.join('') }
}
