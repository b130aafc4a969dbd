/**
 * Where the chat reads lines and prints. Two kinds:
 *
 * - {@link TtyScreen} when stdin and stdout are both terminals: Node's readline line
 *   editor with a prompt, history of typed lines (Up/Down), Tab completion of commands.
 *   A line printed while the user types is written above the prompt: the prompt and the
 *   half-typed line (however many rows it wraps over) are erased, the line is printed,
 *   and the prompt is redrawn with the cursor where it was. A submitted line's echo is
 *   erased, so the chat shows it formatted like everyone else's.
 * - {@link PlainScreen} otherwise (pipes, scripts): lines in, lines out, nothing else.
 */
import { createInterface, clearScreenDown, cursorTo, moveCursor, type Interface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { MAX_TEXT_CHARS } from './chat-protocol.js'
import { rowsOf } from './format.js'
import { CappedLineReader, type InputLine } from './line-reader.js'

export interface Screen {
  /** Whether this is the interactive line editor (own lines are shown, prompts drawn). */
  readonly interactive: boolean
  /** Prints one line (without its newline). */
  print(line: string): void
  /** The lines typed, until end of input (Ctrl-D) or close(); a line past the cap is only reported. */
  lines(): AsyncIterable<InputLine>
  /** Ctrl-C on an empty line (interactive only). */
  onInterrupt(handler: () => void): void
  setPrompt(prompt: string): void
  close(): void
}

/** Lines from a stream, lines to a stream: for pipes and non-terminals. */
export class PlainScreen implements Screen {
  readonly interactive = false
  private readonly reader: CappedLineReader

  /**
   * A line longer than `maxLineChars` is discarded while it streams in (a pipe may feed
   * any amount without a newline) and reported as too long.
   */
  constructor(
    private readonly input: Readable,
    private readonly write: (text: string) => void,
    maxLineChars = 4 * MAX_TEXT_CHARS,
  ) {
    this.reader = new CappedLineReader(input, maxLineChars)
  }

  print(line: string): void {
    this.write(`${line}\n`)
  }

  lines(): AsyncIterable<InputLine> {
    return this.reader
  }

  onInterrupt(): void {}

  setPrompt(): void {}

  close(): void {
    this.reader.close()
    // Stop reading for good, so an open stdin (a pipe whose writer stays) does not keep
    // the process alive after the chat ended.
    this.input.destroy()
  }
}

/** Typed lines buffered until the session takes them (bounded by what a person types). */
class LineQueue implements AsyncIterable<string> {
  private readonly queued: string[] = []
  private waiter: ((result: IteratorResult<string>) => void) | undefined
  private ended = false

  push(line: string): void {
    if (this.ended) return
    if (this.waiter !== undefined) {
      const resolve = this.waiter
      this.waiter = undefined
      resolve({ value: line, done: false })
    } else {
      this.queued.push(line)
    }
  }

  end(): void {
    this.ended = true
    if (this.waiter !== undefined) {
      const resolve = this.waiter
      this.waiter = undefined
      resolve({ value: undefined, done: true })
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: () => {
        const line = this.queued.shift()
        if (line !== undefined) return Promise.resolve({ value: line, done: false })
        if (this.ended) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => {
          this.waiter = resolve
        })
      },
      return: () => {
        this.end()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}

/** Cap on remembered typed lines (Up/Down). */
export const HISTORY_SIZE = 500

export interface TtyScreenOptions {
  readonly input: Readable
  readonly output: Writable & { columns?: number }
  readonly prompt: string
  /** Words Tab completes at the start of a line (the commands). */
  readonly completions: readonly string[]
}

/** The interactive line editor (readline in terminal mode). */
export class TtyScreen implements Screen {
  readonly interactive = true
  private readonly rl: Interface
  private readonly queue = new LineQueue()
  private readonly output: Writable & { columns?: number }
  private interrupt: (() => void) | undefined
  private closed = false
  private prompt: string

  constructor(options: TtyScreenOptions) {
    this.output = options.output
    this.prompt = options.prompt
    this.rl = createInterface({
      input: options.input,
      output: options.output,
      terminal: true,
      prompt: options.prompt,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      completer: (line: string): [string[], string] => {
        if (!line.startsWith('/') || line.includes(' ')) return [[], line]
        return [options.completions.filter((c) => c.startsWith(line)), line]
      },
    })
    this.rl.on('line', (line: string) => {
      this.eraseEcho(line)
      this.queue.push(line)
      if (!this.closed) this.rl.prompt()
    })
    this.rl.on('close', () => {
      this.closed = true
      this.queue.end()
    })
    this.rl.on('SIGINT', () => {
      if (this.rl.line.length > 0) {
        // Ctrl-C with text: drop the half-typed line, like a shell.
        this.rl.write(null, { ctrl: true, name: 'u' })
        this.rl.write(null, { ctrl: true, name: 'k' })
        return
      }
      this.interrupt?.()
    })
    this.rl.prompt()
  }

  private get columns(): number {
    return this.output.columns ?? 80
  }

  /** The submitted line still shows as `prompt + line` above the cursor: erase it. */
  private eraseEcho(line: string): void {
    const rows = rowsOf(this.prompt + line, this.columns)
    moveCursor(this.output, 0, -rows)
    cursorTo(this.output, 0)
    clearScreenDown(this.output)
  }

  print(line: string): void {
    if (this.closed) {
      this.output.write(`${line}\n`)
      return
    }
    // Erase the prompt and the half-typed line (from its first row), print, redraw.
    const { rows } = this.rl.getCursorPos()
    if (rows > 0) moveCursor(this.output, 0, -rows)
    cursorTo(this.output, 0)
    clearScreenDown(this.output)
    this.output.write(`${line}\n`)
    // readline redraws from `prevRows` rows above the cursor: the cursor is now on a
    // fresh row, so tell it so before asking it to redraw the prompt and the line.
    ;(this.rl as unknown as { prevRows: number }).prevRows = 0
    this.rl.prompt(true)
  }

  lines(): AsyncIterable<InputLine> {
    return typedLines(this.queue)
  }

  onInterrupt(handler: () => void): void {
    this.interrupt = handler
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt
    this.rl.setPrompt(prompt)
    if (!this.closed) {
      const { rows } = this.rl.getCursorPos()
      if (rows > 0) moveCursor(this.output, 0, -rows)
      cursorTo(this.output, 0)
      clearScreenDown(this.output)
      ;(this.rl as unknown as { prevRows: number }).prevRows = 0
      this.rl.prompt(true)
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    // Leave the terminal on a clean row.
    cursorTo(this.output, 0)
    clearScreenDown(this.output)
    this.rl.close()
  }
}

/** Lines typed at the terminal, as input lines (readline holds what a person types). */
async function* typedLines(lines: AsyncIterable<string>): AsyncIterable<InputLine> {
  for await (const line of lines) yield { line }
}
