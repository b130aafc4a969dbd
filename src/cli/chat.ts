/**
 * The chat session behind `hearsay open` and `hearsay join`: one node, one topic,
 * typed lines broadcast as chat messages, received ones printed (docs/cli.md).
 *
 * Names: each node announces its name when it first gets a neighbor, to every new
 * neighbor, and again every `nameIntervalMs`, so late joiners learn everyone's name
 * (iroh-gossip's example announces once). A name is bound to the signed author of its
 * announcement, so nobody can rename someone else.
 *
 * Joining: a node joining through a ticket says how many peers it tries; if none
 * answers within `joinTimeoutMs` it says so and suggests a fresh ticket, and keeps
 * retrying (the topic re-joins its bootstrap peers every repair tick, 5 s), or exits with
 * {@link EXIT_JOIN_FAILED} when asked to (`--exit-on-fail`, or stdin not a terminal).
 * Lines typed while there is no neighbor are queued (at most {@link MAX_QUEUED_LINES})
 * and sent once one is up. Its own ticket is printed only once it has a neighbor: before
 * that it would name only itself.
 *
 * History: on its first neighbor a node asks that neighbor for the recent messages it
 * keeps (at most HISTORY_MAX_MESSAGES, HISTORY_MAX_AGE_MS old) and waits up to
 * `historyWaitMs` for them, holding live messages meanwhile; then prints the history
 * oldest first, marked, then the held live messages in arrival order. A message already
 * shown (by id) is never shown again. Each author's lines are shown in the order written
 * (the library delivers each author's broadcasts in the order sent).
 */
import { shortId } from '../index.js'
import type { NodeAddr } from '../index.js'
import { createNode, encodeTicket, type GossipEvent, type Node, type Topic } from '../index.js'
import { MAX_ADDRS_PER_PEER, MAX_TICKET_PEERS, validateNodeAddr } from '../index.js'
import {
  cleanName,
  cleanText,
  decodeChat,
  encodeChat,
  encodeHistory,
  HISTORY_MAX_AGE_MS,
  HISTORY_MAX_MESSAGES,
  MAX_TEXT_CHARS,
  type HistoryEntry,
} from './chat-protocol.js'
import { NameBook } from './names.js'
import type { Output } from './output.js'
import type { Screen } from './screen.js'
import { removeStateFile, writeStateFile } from './state-file.js'

export { MAX_KNOWN_NAMES } from './names.js'

/** How often a chat checks that its key is not in use by another process. */
const KEY_CHECK_INTERVAL_MS = 2_000

/** Exit code when no peer of the ticket answered within the join timeout (with `--exit-on-fail` or stdin not a terminal). */
export const EXIT_JOIN_FAILED = 3
/** Default wait for a first neighbor before the join is reported as failing. */
export const DEFAULT_JOIN_TIMEOUT_MS = 10_000
/** Default wait for a neighbor's history after the first neighbor is up. */
export const DEFAULT_HISTORY_WAIT_MS = 3_000
/** Lines kept while there is no neighbor; more are refused with a notice. */
export const MAX_QUEUED_LINES = 100
/** Message ids remembered as shown, so nothing is shown twice. */
const MAX_SHOWN_IDS = 4_096
/** Live messages held while the history is awaited. */
const MAX_HELD_MESSAGES = 1_000
/** A neighbor is answered at most once per this long (a history is up to ~50 broadcasts). */
const HISTORY_ANSWER_INTERVAL_MS = 10_000
const MAX_ANSWERED = 256

/** The commands, for `/help` and Tab completion. */
export const COMMANDS: ReadonlyArray<readonly [string, string]> = [
  ['/help', 'this list'],
  ['/neighbors', 'list your current neighbors'],
  ['/ticket', 'print a fresh ticket (you and your neighbors) to let someone join'],
  ['/name <new>', 'change your name (everyone is told)'],
  ['/quit', 'leave the chat (also Ctrl-D, or Ctrl-C on an empty line)'],
]

export interface ChatOptions {
  readonly topic: string
  readonly bootstrap: readonly NodeAddr[]
  readonly name: string | undefined
  readonly listen: string
  readonly keyFile: string | undefined
  readonly mdns: boolean
  readonly screen: Screen
  readonly output: Output
  /** Directory where running chats leave their current ticket for `hearsay ticket`. */
  readonly stateDir: string
  /** The ticket this chat joined with (shown by `/ticket` before the first neighbor). */
  readonly joinTicket?: string
  /** @default 30_000 */
  readonly nameIntervalMs?: number
  /** @default DEFAULT_JOIN_TIMEOUT_MS */
  readonly joinTimeoutMs?: number
  /** Exit with EXIT_JOIN_FAILED when no peer answers in time. @default false */
  readonly exitOnFail?: boolean
  /** @default DEFAULT_HISTORY_WAIT_MS */
  readonly historyWaitMs?: number
}

/** Runs until stdin ends or the process is told to stop; resolves with the exit code. */
export async function runChat(options: ChatOptions): Promise<number> {
  // mDNS: the node announces its topic on the LAN and joins through every peer it hears
  // in the same topic (once per peer), so two separately started chats merge.
  const node = await createNode({
    listen: options.listen,
    mdns: options.mdns,
    ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
  })
  const session = new ChatSession(node, options)
  return session.run()
}

interface Received {
  readonly id: string
  readonly author: string
  readonly text: string
  readonly atMs: number
  /** Caught up after a partition or a repair; `atMs` is then when it was sent. */
  readonly late?: true
}

class ChatSession {
  private readonly topic: Topic
  private readonly names: NameBook
  private readonly startedAt = Date.now()
  private lastNeighborCount = -1
  private announced = false
  private hadNeighbor = false
  private nameTimer: ReturnType<typeof setInterval> | undefined
  /** Checks whether this chat's key signs messages it never sent (a second process with the same key). */
  private keyTimer: ReturnType<typeof setInterval> | undefined
  private keyWarned = false
  private joinTimer: ReturnType<typeof setTimeout> | undefined
  private historyTimer: ReturnType<typeof setTimeout> | undefined
  private closing: Promise<number> | undefined
  private readonly queued: string[] = []
  private flushing = false
  /** Recent chat messages, oldest first, for late joiners. */
  private readonly recent: HistoryEntry[] = []
  private readonly shown = new Set<string>()
  /** While the history is awaited: from whom, what came, live messages held. */
  private history: { peer: string; entries: HistoryEntry[]; held: Received[] } | undefined
  private readonly answered = new Map<string, number>()
  /** When each current neighbor came up (here): its history ends there, later lines reach it live. */
  private readonly neighborSince = new Map<string, number>()

  constructor(
    private readonly node: Node,
    private readonly options: ChatOptions,
  ) {
    const name = options.name === undefined ? undefined : cleanName(options.name)
    this.names = new NameBook(node.id, name)
    this.topic = node.subscribe(options.topic, { bootstrap: options.bootstrap })
  }

  private get joining(): boolean {
    return this.options.bootstrap.length > 0
  }

  async run(): Promise<number> {
    const { output, screen } = this.options
    this.updatePrompt()
    if (this.joining) {
      const n = this.options.bootstrap.length
      output.print({ event: 'info', text: `trying ${n} peer${n === 1 ? '' : 's'} from the ticket… (your own ticket is printed once you have a neighbor)` })
      const timeoutMs = this.options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS
      this.joinTimer = setTimeout(() => this.joinTimedOut(timeoutMs), timeoutMs)
    } else {
      output.print({ event: 'ticket', ticket: this.ticket(), topic: this.topic.id })
    }
    this.printStatus()
    this.updateStateFile()
    this.nameTimer = setInterval(() => void this.announceName('swarm'), this.options.nameIntervalMs ?? 30_000)
    this.keyTimer = setInterval(() => this.checkOwnKey(), KEY_CHECK_INTERVAL_MS)
    const events = this.consumeEvents()
    const stop = () => void this.shutdown(0)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    screen.onInterrupt(stop)
    await this.readInput()
    await this.sendQueuedBeforeExit()
    const code = await this.shutdown(0)
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await events
    return code
  }

  private joinTimedOut(timeoutMs: number): void {
    this.joinTimer = undefined
    if (this.hadNeighbor || this.closing !== undefined) return
    const n = this.options.bootstrap.length
    const seconds = Math.round(timeoutMs / 100) / 10
    const what = `no peer from the ticket answered within ${seconds} s (${n} tried): they may all have left, or be unreachable from here.`
    const hint = 'Ask someone in the chat for a fresh ticket (they type /ticket) and join with it.'
    if (this.options.output.quiet) process.stderr.write(`hearsay: ${what}\n  ${hint}\n`)
    if (this.options.exitOnFail === true) {
      this.options.output.print({ event: 'info', text: `${what} ${hint} Exiting (code ${EXIT_JOIN_FAILED}).` })
      void this.shutdown(EXIT_JOIN_FAILED)
      return
    }
    this.options.output.print({ event: 'info', text: `${what} ${hint} Still retrying in the background; lines you type are queued.` })
  }

  private async readInput(): Promise<void> {
    // Piped input is capped while a line streams in (screen.ts), not after.
    for await (const input of this.options.screen.lines()) {
      if (this.closing !== undefined) break
      if ('line' in input) await this.handleLine(input.line)
      else this.options.output.print({ event: 'info', text: `message not sent: ${input.tooLong} characters, at most ${MAX_TEXT_CHARS}` })
    }
  }

  /** End of input with lines still queued: wait (bounded) for a neighbor to send them. */
  private async sendQueuedBeforeExit(): Promise<void> {
    if (this.queued.length === 0 || this.closing !== undefined) return
    const timeoutMs = this.options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS
    this.options.output.print({ event: 'info', text: `waiting up to ${Math.round(timeoutMs / 1000)} s for a neighbor to send ${this.queued.length} queued line(s)` })
    try {
      await this.topic.joined({ timeoutMs })
      await this.flushQueue()
    } catch {
      this.options.output.print({ event: 'info', text: `${this.queued.length} queued line(s) not sent: no neighbor came up` })
    }
  }

  private async handleLine(raw: string): Promise<void> {
    const { output } = this.options
    const text = cleanText(raw).trimEnd()
    if (text.trim().length === 0) {
      if (raw.trim().length > 0) output.print({ event: 'info', text: 'not sent: the line had only control characters' })
      return
    }
    if (text.startsWith('/') && !text.startsWith('//')) {
      await this.command(text)
      return
    }
    const message = text.startsWith('//') ? text.slice(1) : text
    if (message.length > MAX_TEXT_CHARS) {
      output.print({ event: 'info', text: `message not sent: ${message.length} characters, at most ${MAX_TEXT_CHARS}; split it into shorter lines` })
      return
    }
    if (this.topic.neighbors().length === 0 || this.queued.length > 0 || this.flushing) {
      this.queue(message)
      return
    }
    await this.send(message)
  }

  private queue(text: string): void {
    const { output, screen } = this.options
    if (this.queued.length >= MAX_QUEUED_LINES) {
      output.print({ event: 'info', text: `message not sent: ${MAX_QUEUED_LINES} lines are already waiting for a neighbor; wait until one is up` })
      return
    }
    this.queued.push(text)
    if (screen.interactive) this.printOwn(text, undefined)
    output.print({ event: 'info', text: `no neighbor yet: line queued (${this.queued.length} waiting), sent once a neighbor is up` })
  }

  private async flushQueue(): Promise<void> {
    if (this.flushing || this.queued.length === 0) return
    this.flushing = true
    let sent = 0
    try {
      while (this.queued.length > 0 && this.topic.neighbors().length > 0 && this.closing === undefined) {
        const text = this.queued.shift() as string
        if (await this.broadcastChat(text)) sent++
      }
    } finally {
      this.flushing = false
    }
    if (sent > 0) this.options.output.print({ event: 'info', text: `sent ${sent} queued line${sent === 1 ? '' : 's'}` })
  }

  private async send(text: string): Promise<void> {
    const { screen } = this.options
    // Shown at once, before the network answers, so the screen keeps the typed order.
    if (screen.interactive) this.printOwn(text, undefined)
    await this.broadcastChat(text)
  }

  private printOwn(text: string, id: string | undefined): void {
    this.options.output.print({ event: 'message', id: id ?? '', from: this.node.id, author: this.node.id, name: this.names.label(this.node.id), text, own: true })
  }

  private async broadcastChat(text: string): Promise<boolean> {
    try {
      const id = await this.topic.broadcast(encodeChat({ type: 'chat', text }))
      this.remember(id, this.node.id, text, Date.now())
      return true
    } catch (err) {
      this.options.output.print({ event: 'info', text: `message not sent: ${(err as Error).message}` })
      return false
    }
  }

  private async command(line: string): Promise<void> {
    const { output } = this.options
    const [word = '', ...rest] = line.split(/\s+/)
    const arg = line.slice(word.length).trim()
    switch (word) {
      case '/help':
        for (const [cmd, what] of COMMANDS) output.print({ event: 'info', text: `${cmd.padEnd(12)} ${what}` })
        output.print({ event: 'info', text: 'any other line is sent to everyone; start it with // to send a line beginning with /' })
        return
      case '/ticket':
        if (this.joining && !this.hadNeighbor) {
          output.print({
            event: 'info',
            text: `not connected yet: a ticket now would name only you. The ticket you joined with: ${this.options.joinTicket ?? '(unknown)'}`,
          })
          return
        }
        output.print({ event: 'ticket', ticket: this.ticket(), topic: this.topic.id })
        return
      case '/neighbors':
        output.print({ event: 'info', text: `neighbors: ${this.topic.neighbors().map((p) => this.names.label(p)).join(', ') || 'none'}` })
        return
      case '/name': {
        const name = rest.length === 0 ? undefined : cleanName(arg)
        if (name === undefined) {
          output.print({ event: 'info', text: 'usage: /name <new name> (at most 32 characters)' })
          return
        }
        this.names.setOwn(name)
        this.updatePrompt()
        this.updateStateFile()
        output.print({ event: 'info', text: `you are now ${name}${this.topic.neighbors().length === 0 ? ' (announced once a neighbor is up)' : ''}` })
        this.announced = false
        await this.announceName('swarm')
        return
      }
      case '/quit':
      case '/exit':
        void this.shutdown(0)
        return
      default:
        output.print({ event: 'info', text: `unknown command ${word.slice(0, 40)}: not sent. Type /help for the commands; start a line with // to send it as text` })
    }
  }

  private async consumeEvents(): Promise<void> {
    for await (const event of this.topic.events({ bufferSize: 4_096 })) this.onEvent(event)
  }

  /** Tells the user, once, that another process uses this chat's key. */
  private checkOwnKey(): void {
    if (this.keyWarned || this.node.stats().ownKeyInUseElsewhere === 0) return
    this.keyWarned = true
    this.options.output.print({
      event: 'info',
      text:
        'your key is in use by another process elsewhere: messages signed with it reach the chat that you did not send, ' +
        'and both of you miss messages. Stop the other process, or start this one with another --key-file.',
    })
  }

  private onEvent(event: GossipEvent): void {
    const { output } = this.options
    switch (event.type) {
      case 'received':
        this.onReceived(event)
        return
      case 'neighborUp':
        this.neighborSince.set(event.peer, Date.now())
        output.print({ event: 'neighborUp', peer: event.peer, name: this.names.get(event.peer) })
        void this.announceName(this.announced ? 'neighbors' : 'swarm')
        if (!this.hadNeighbor) this.firstNeighbor(event.peer)
        void this.flushQueue()
        break
      case 'neighborDown':
        this.neighborSince.delete(event.peer)
        output.print({ event: 'neighborDown', peer: event.peer, name: this.names.get(event.peer), reason: event.reason })
        break
      case 'lagged':
        output.print({ event: 'lagged', missed: event.missed })
        return
      case 'gap':
        output.print({ event: 'gap', from: event.author, name: this.names.get(event.author), missed: event.missed })
        return
    }
    this.printStatus()
    this.updateStateFile()
  }

  private firstNeighbor(peer: string): void {
    const { output } = this.options
    this.hadNeighbor = true
    if (this.joinTimer !== undefined) clearTimeout(this.joinTimer)
    this.joinTimer = undefined
    if (this.joining) {
      output.print({ event: 'ticket', ticket: this.ticket(), topic: this.topic.id })
      output.print({ event: 'info', text: 'connected: the ticket above names you and your neighbors; /ticket prints a fresh one' })
    }
    this.requestHistory(peer)
  }

  private requestHistory(peer: string): void {
    this.history = { peer, entries: [], held: [] }
    this.historyTimer = setTimeout(() => this.finishHistory(), this.options.historyWaitMs ?? DEFAULT_HISTORY_WAIT_MS)
    this.topic.broadcastNeighbors(encodeChat({ type: 'history-request', to: peer })).catch(() => this.finishHistory())
  }

  private onReceived(event: Extract<GossipEvent, { type: 'received' }>): void {
    const { output } = this.options
    const message = decodeChat(event.content)
    if (message === undefined) return
    switch (message.type) {
      case 'name': {
        const previous = this.names.set(event.author, message.name)
        if (previous === false) return
        output.print({ event: 'name', from: event.author, name: message.name, previous: previous === undefined ? undefined : previous })
        this.updateStateFile()
        return
      }
      case 'chat': {
        if (this.shown.has(event.id)) return
        const received: Received = {
          id: event.id,
          author: event.author,
          text: cleanText(message.text),
          atMs: event.late ? event.sentAtMs : Date.now(),
          ...(event.late ? { late: true as const } : {}),
        }
        this.arrived(received)
        return
      }
      case 'history-request':
        // Only a direct neighbor asks (its own broadcast to its neighbors), and only us.
        if (message.to === this.node.id && event.scope === 'neighbors' && event.author === event.deliveredBy) void this.answerHistory(event.author)
        return
      case 'history': {
        const pending = this.history
        if (pending === undefined || message.to !== this.node.id || event.author !== pending.peer || event.author !== event.deliveredBy) return
        for (const entry of message.entries) if (pending.entries.length < HISTORY_MAX_MESSAGES) pending.entries.push(entry)
        if (message.end) this.finishHistory()
        return
      }
    }
  }

  /** A chat line, in its author's order: keep it for late joiners, show it (or hold it while the history comes). */
  private arrived(received: Received): void {
    if (this.closing !== undefined) return
    this.remember(received.id, received.author, received.text, received.atMs)
    if (this.history !== undefined) {
      if (this.history.held.length < MAX_HELD_MESSAGES) this.history.held.push(received)
      return
    }
    this.show(received, false)
  }

  private async answerHistory(peer: string): Promise<void> {
    const now = Date.now()
    const last = this.answered.get(peer)
    if (last !== undefined && now - last < HISTORY_ANSWER_INTERVAL_MS) return
    this.answered.delete(peer)
    this.answered.set(peer, now)
    if (this.answered.size > MAX_ANSWERED) this.answered.delete(this.answered.keys().next().value as string)
    this.pruneRecent(now)
    // Only what came before the asker was a neighbor: what came since reaches it live.
    const since = this.neighborSince.get(peer) ?? now
    const entries = this.recent.filter((e) => e.at < since).map((e) => {
      const name = this.names.get(e.author)
      return name === undefined ? e : { ...e, name }
    })
    try {
      for (const payload of encodeHistory(peer, entries, this.node.maxMessageBytes)) await this.topic.broadcastNeighbors(payload)
    } catch {
      // Left meanwhile, or a payload refused: the asker times out and goes on.
    }
  }

  /** Prints the history (oldest first, marked) and then the live messages held meanwhile. */
  private finishHistory(): void {
    const pending = this.history
    if (pending === undefined) return
    this.history = undefined
    if (this.historyTimer !== undefined) clearTimeout(this.historyTimer)
    this.historyTimer = undefined
    const { output } = this.options
    const cutoff = Date.now() - HISTORY_MAX_AGE_MS
    const seen = new Set<string>()
    const entries = pending.entries.filter((e) => {
      if (this.shown.has(e.id) || seen.has(e.id) || e.at < cutoff || e.author === this.node.id) return false
      seen.add(e.id)
      return true
    })
    if (entries.length > 0) {
      const via = this.names.label(pending.peer)
      output.print({ event: 'info', text: `history: the last ${entries.length} message${entries.length === 1 ? '' : 's'} before you joined, oldest first (as kept by ${via})` })
      for (const entry of entries) {
        this.markShown(entry.id)
        const known = this.names.get(entry.author)
        const name = known === undefined && entry.name !== undefined ? entry.name : this.names.label(entry.author)
        output.print({ event: 'message', id: entry.id, from: entry.author, author: entry.author, name, text: cleanText(entry.text), atMs: entry.at, history: true })
      }
      output.print({ event: 'info', text: 'end of history' })
    }
    for (const received of pending.held) this.show(received, seen.has(received.id))
  }

  private show(received: Received, skip: boolean): void {
    if (skip || this.shown.has(received.id)) return
    this.markShown(received.id)
    const name = this.names.label(received.author)
    this.options.output.print({
      event: 'message',
      id: received.id,
      from: received.author,
      author: received.author,
      name,
      text: received.text,
      ...(received.late === true ? { late: true as const, atMs: received.atMs } : {}),
    })
  }

  private markShown(id: string): void {
    this.shown.add(id)
    if (this.shown.size > MAX_SHOWN_IDS) this.shown.delete(this.shown.values().next().value as string)
  }

  /** Keeps a chat message for late joiners (bounded by count and age). */
  private remember(id: string, author: string, text: string, at: number): void {
    if (this.recent.some((e) => e.id === id)) return
    this.recent.push({ id, author, at, text })
    this.pruneRecent(at)
  }

  private pruneRecent(now: number): void {
    while (this.recent.length > HISTORY_MAX_MESSAGES) this.recent.shift()
    while (this.recent.length > 0 && (this.recent[0] as HistoryEntry).at < now - HISTORY_MAX_AGE_MS) this.recent.shift()
  }

  private async announceName(scope: 'swarm' | 'neighbors'): Promise<void> {
    const name = this.names.own
    if (name === undefined || this.closing !== undefined || this.topic.neighbors().length === 0) return
    this.announced = true
    const payload = encodeChat({ type: 'name', name })
    try {
      if (scope === 'swarm') await this.topic.broadcast(payload)
      else await this.topic.broadcastNeighbors(payload)
    } catch {
      // The topic was left meanwhile: nothing to announce to.
    }
  }

  private updatePrompt(): void {
    this.options.screen.setPrompt(`${this.names.own ?? shortId(this.node.id)}> `)
  }

  /** A ticket naming this node and some current neighbors, so it outlives this node. */
  private ticket(): string {
    const peers: NodeAddr[] = []
    const self = this.node.addr()
    if (self.addrs.length > 0) peers.push(self)
    for (const neighbor of this.topic.neighbors()) {
      if (peers.length >= Math.min(MAX_TICKET_PEERS, 6)) break
      const addr = this.node.peerAddr(neighbor)
      if (addr !== undefined) peers.push(addr)
    }
    return encodeTicket({ topic: this.topic.id, peers: peers.map(ticketable).filter((p) => p.addrs.length > 0) })
  }

  private printStatus(): void {
    const count = this.topic.neighbors().length
    if (count === this.lastNeighborCount) return
    this.lastNeighborCount = count
    this.options.output.print({ event: 'status', neighbors: count, id: this.node.id })
  }

  private updateStateFile(): void {
    if (this.closing !== undefined) return
    const connected = !this.joining || this.hadNeighbor
    writeStateFile(this.options.stateDir, {
      pid: process.pid,
      id: this.node.id,
      topic: this.topic.id,
      // Not connected yet: our own ticket would name only us; the one we joined with may still work.
      ticket: connected ? this.ticket() : (this.options.joinTicket ?? this.ticket()),
      name: this.names.own ?? null,
      startedAt: new Date(this.startedAt).toISOString(),
      neighbors: this.topic.neighbors().length,
      connected,
    })
  }

  private shutdown(code: number): Promise<number> {
    this.closing ??= (async () => {
      if (this.nameTimer !== undefined) clearInterval(this.nameTimer)
      if (this.keyTimer !== undefined) clearInterval(this.keyTimer)
      if (this.joinTimer !== undefined) clearTimeout(this.joinTimer)
      if (this.historyTimer !== undefined) clearTimeout(this.historyTimer)
      this.options.screen.close()
      removeStateFile(this.options.stateDir, process.pid)
      await this.node.close()
      return code
    })()
    return this.closing
  }
}

/** Where an address leads: 0 routable (LAN or public), 1 link-local, 2 loopback (this machine only). */
export function addressRank(addr: string): number {
  const host = addr.startsWith('[') ? addr.slice(1, addr.indexOf(']')) : addr.slice(0, addr.lastIndexOf(':'))
  const lower = host.toLowerCase()
  if (lower === '::1' || /^127\./.test(lower)) return 2
  if (/^169\.254\./.test(lower) || /^fe[89ab][0-9a-f]:/.test(lower)) return 1
  return 0
}

/**
 * Keeps only the addresses a ticket can carry (dialable IP addresses with a port),
 * routable ones first and loopback last, so a peer on another machine tries the ones
 * that can reach this machine first.
 */
export function ticketable(peer: NodeAddr): NodeAddr {
  const addrs = peer.addrs.filter((addr) => {
    try {
      validateNodeAddr({ id: peer.id, addrs: [addr] })
      return true
    } catch {
      return false
    }
  })
  const ordered = addrs.map((addr, i) => ({ addr, i, rank: addressRank(addr) })).sort((a, b) => a.rank - b.rank || a.i - b.i)
  return { id: peer.id, addrs: ordered.map((a) => a.addr).slice(0, MAX_ADDRS_PER_PEER) }
}
