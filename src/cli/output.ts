/**
 * How the chat prints: human lines or, with --json, one JSON object per event for
 * scripts. Every JSON event carries `ts` (ISO time: when it happened here, or for a
 * history message when the neighbor that kept it received it).
 *
 * Human lines: chat lines `name: text` and system lines starting with `--`. On a
 * terminal a chat line starts with the time (`14:03 alice: hi`), the author's name is
 * in the author's colour and history lines are dimmed; piped, the lines stay
 * `name: text` (history ones `(history) name: text`), as scripts read them. `--quiet`
 * keeps only chat lines and the ticket.
 */
import { shortId } from '../index.js'
import { clockTime, paint, type Paint } from './format.js'

export type OutputEvent =
  | { readonly event: 'ticket'; readonly ticket: string; readonly topic: string }
  | { readonly event: 'status'; readonly neighbors: number; readonly id: string }
  | {
      readonly event: 'message'
      /** Message id (64 hex). */
      readonly id: string
      /** Author id (64 hex); `author` is the same, by its clearer name. */
      readonly from: string
      readonly author: string
      /** The author's label (`bob`, `bob#7b37` when two ids share the name, or a short id). */
      readonly name: string
      readonly text: string
      /** When it was written (ms since the epoch); now for live messages. */
      readonly atMs?: number
      /** Recent history a neighbor handed over at join. */
      readonly history?: true
      /** Caught up after a partition or a repair (sent more than 10 s before it came); `atMs` is when it was sent. */
      readonly late?: true
      /** Typed here (shown on the terminal only). */
      readonly own?: true
    }
  | { readonly event: 'name'; readonly from: string; readonly name: string; readonly previous?: string | undefined }
  | { readonly event: 'neighborUp'; readonly peer: string; readonly name?: string | undefined }
  | { readonly event: 'neighborDown'; readonly peer: string; readonly name?: string | undefined; readonly reason: string }
  | { readonly event: 'lagged'; readonly missed: number }
  /** Messages of an author that will not arrive (the library's `gap` event). */
  | { readonly event: 'gap'; readonly from: string; readonly name?: string | undefined; readonly missed: number }
  | { readonly event: 'info'; readonly text: string }

export interface OutputOptions {
  readonly json: boolean
  readonly quiet: boolean
  readonly write: (line: string) => void
  /** A terminal: times on chat lines. @default false */
  readonly decorate?: boolean
  /** Colours (a terminal, NO_COLOR unset, no --no-color). @default false */
  readonly color?: boolean
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number
}

export class Output {
  private readonly paint: Paint
  private readonly now: () => number

  constructor(private readonly options: OutputOptions) {
    this.paint = paint(options.color === true)
    this.now = options.now ?? Date.now
  }

  /** Whether system lines are left out (`--quiet`): a failure then goes to stderr too. */
  get quiet(): boolean {
    return this.options.quiet && !this.options.json
  }

  print(event: OutputEvent): void {
    if (this.options.json) {
      if (event.event === 'message' && event.own === true) return
      this.options.write(JSON.stringify(jsonOf(event, this.now())))
      return
    }
    const line = this.human(event)
    if (line !== undefined) this.options.write(line)
  }

  private human(event: OutputEvent): string | undefined {
    const quiet = this.options.quiet
    const p = this.paint
    switch (event.event) {
      case 'message': {
        const mark = event.history === true ? '(history) ' : event.late === true ? '(late) ' : ''
        if (this.options.decorate !== true) return `${mark}${event.name}: ${event.text}`
        const time = clockTime(event.atMs ?? this.now())
        if (event.history === true) return p.dim(`${time} ${event.name}: ${event.text}`)
        return `${time} ${event.late === true ? p.dim(mark) : ''}${p.author(event.from, p.bold(event.name))}: ${event.text}`
      }
      case 'ticket':
        return quiet ? event.ticket : `-- ticket for topic ${shortId(event.topic)}: ${event.ticket}`
      case 'status':
        return quiet ? undefined : this.system(`-- ${shortId(event.id)}: ${event.neighbors} neighbor${event.neighbors === 1 ? '' : 's'}`)
      case 'name':
        if (quiet) return undefined
        return this.system(
          event.previous === undefined ? `-- ${shortId(event.from)} is ${event.name}` : `-- ${event.previous} is now ${event.name} (${shortId(event.from)})`,
        )
      case 'neighborUp':
        return quiet ? undefined : this.system(`-- neighbor up: ${label(event.peer, event.name)}`)
      case 'neighborDown':
        return quiet ? undefined : this.system(`-- neighbor down: ${label(event.peer, event.name)} (${event.reason})`)
      case 'lagged':
        return this.system(`-- missed ${event.missed} events (output too slow)`)
      case 'gap':
        return this.system(`-- ${event.missed} ${event.missed === 1 ? 'message' : 'messages'} from ${label(event.from, event.name)} did not arrive in time`)
      case 'info':
        return quiet ? undefined : this.system(`-- ${event.text}`)
    }
  }

  private system(line: string): string {
    return this.options.decorate === true ? this.paint.dim(line) : line
  }
}

function jsonOf(event: OutputEvent, nowMs: number): Record<string, unknown> {
  if (event.event === 'message') {
    const { atMs, own: _own, ...rest } = event
    return { ...rest, ts: new Date(atMs ?? nowMs).toISOString() }
  }
  return { ...event, ts: new Date(nowMs).toISOString() }
}

function label(peer: string, name: string | undefined): string {
  return name === undefined ? shortId(peer) : `${name} (${shortId(peer)})`
}
