/**
 * Runs `hearsay` in a real pseudo-terminal (a tmux pane of a fixed size, on a tmux
 * server of its own) and reads the screen as a person sees it. Tests that use it skip
 * when tmux is missing (`.ci/run` installs it).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url))

/** Why terminal tests cannot run here, or undefined when they can. */
export function ttyUnavailableReason(): string | undefined {
  const result = spawnSync('tmux', ['-V'], { encoding: 'utf8' })
  return result.status === 0 ? undefined : 'tmux is not installed (apt-get install tmux)'
}

let serial = 0

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`
}

export class TtySession {
  private readonly socket: string
  private readonly target = 'chat'
  private killed = false
  private readonly exitFile: string

  /** Starts `hearsay args` in a `columns` x `rows` terminal. */
  constructor(args: readonly string[], options: { columns?: number; rows?: number; env?: Record<string, string> } = {}) {
    this.socket = `hearsay-test-${process.pid}-${++serial}`
    const env = { DEBUG: '', ...options.env }
    // The exit code goes to a file: tmux does not always record a dead pane's status.
    this.exitFile = join(mkdtempSync(join(tmpdir(), 'hearsay-tty-')), 'exit-code')
    const program = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, BIN, ...args].map(shellQuote).join(' ')
    const command = `${program}; echo $? > ${shellQuote(this.exitFile)}`
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', this.target, '-x', String(options.columns ?? 100), '-y', String(options.rows ?? 40), command])
    this.tmux(['set-option', '-t', this.target, 'remain-on-exit', 'on'])
  }

  private tmux(args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 })
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`)
    return result.stdout
  }

  /** Types `text` (literally, no Enter). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.target, '-l', text])
  }

  /** Presses keys by tmux name (`Enter`, `C-d`, `Up`, ...). */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.target, ...keys])
  }

  /**
   * Types `text` one character per keystroke, as a person does (a paste arrives in one
   * read; Node's readline can then leave a stale copy of a wrapped row on the screen).
   */
  typeSlowly(text: string): void {
    for (const char of text) this.type(char)
  }

  /** Types a line and presses Enter. */
  line(text: string): void {
    this.type(text)
    this.press('Enter')
  }

  /** The screen's rows (trailing blanks trimmed). */
  screen(): string[] {
    const rows = this.tmux(['capture-pane', '-p', '-t', this.target]).split('\n').map((r) => r.trimEnd())
    while (rows.length > 0 && rows.at(-1) === '') rows.pop()
    return rows
  }

  /** The screen with wrapped rows joined back into lines (scrollback included). */
  text(): string {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', this.target])
  }

  /** The exit code once the program ended, else undefined. */
  exitCode(): number | undefined {
    try {
      const text = readFileSync(this.exitFile, 'utf8').trim()
      return text === '' ? undefined : Number(text)
    } catch {
      return undefined
    }
  }

  /** Waits (polling every 50 ms, at most `timeoutMs`) until `predicate` holds for the screen. */
  async waitFor(predicate: (s: TtySession) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nscreen:\n${this.text()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  kill(): void {
    if (this.killed) return
    this.killed = true
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { timeout: 10_000 })
  }
}
