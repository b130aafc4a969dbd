/**
 * The chat session behind `hearsay open` and `hearsay join`: one node, one topic,
 * lines from stdin broadcast as chat messages, received messages printed as
 * `name: text`.
 *
 * Names: each node announces its name when it first gets a neighbor, to every new
 * neighbor, and again every `nameIntervalMs`, so late joiners learn everyone's name
 * (iroh-gossip's example announces once). A name is bound to the signed author of its
 * announcement, so nobody can rename someone else.
 */
import type { Readable } from 'node:stream'
import { createNode, encodeTicket, type GossipEvent, type Node, type NodeAddr, type Topic } from '../index.js'
import { MAX_TICKET_PEERS } from '../ticket/index.js'
import { MAX_ADDRS_PER_PEER, validateNodeAddr } from '../ticket/node-addr.js'
import { cleanName, cleanText, decodeChat, encodeChat, MAX_TEXT_CHARS } from './chat-protocol.js'
import { CappedLineReader } from './line-reader.js'
import type { Output } from './output.js'
import { removeStateFile, writeStateFile } from './state-file.js'

/** Cap on remembered names (oldest forgotten first). */
export const MAX_KNOWN_NAMES = 1_024

export interface ChatOptions {
  readonly topic: string
  readonly bootstrap: readonly NodeAddr[]
  readonly name: string | undefined
  readonly listen: string
  readonly keyFile: string | undefined
  readonly mdns: boolean
  readonly input: Readable
  readonly output: Output
  /** Directory where running chats leave their current ticket for `hearsay ticket`. */
  readonly stateDir: string
  /** @default 30_000 */
  readonly nameIntervalMs?: number
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

class ChatSession {
  private readonly topic: Topic
  private readonly names = new Map<string, string>()
  private readonly name: string | undefined
  private lastNeighborCount = -1
  private announced = false
  private nameTimer: ReturnType<typeof setInterval> | undefined
  private closing: Promise<number> | undefined
  private lines: CappedLineReader | undefined

  constructor(
    private readonly node: Node,
    private readonly options: ChatOptions,
  ) {
    this.name = options.name === undefined ? undefined : cleanName(options.name)
    this.topic = node.subscribe(options.topic, { bootstrap: options.bootstrap })
  }

  async run(): Promise<number> {
    const { output } = this.options
    output.print({ event: 'ticket', ticket: this.ticket(), topic: this.topic.id })
    this.printStatus()
    this.updateStateFile()
    this.nameTimer = setInterval(() => void this.announceName('swarm'), this.options.nameIntervalMs ?? 30_000)
    const events = this.consumeEvents()
    const stop = () => void this.shutdown(0)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    await this.readInput()
    const code = await this.shutdown(0)
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await events
    return code
  }

  private async readInput(): Promise<void> {
    // A line is capped while it streams in (trailing spaces allowed for), not after.
    const lines = new CappedLineReader(this.options.input, 4 * MAX_TEXT_CHARS)
    this.lines = lines
    for await (const input of lines) {
      if (this.closing !== undefined) break
      if ('line' in input) await this.handleLine(input.line)
      else this.options.output.print({ event: 'info', text: `message not sent: ${input.tooLong} characters, at most ${MAX_TEXT_CHARS}` })
    }
  }

  private async handleLine(line: string): Promise<void> {
    const text = line.trimEnd()
    if (text.length === 0) return
    const { output } = this.options
    if (text === '/ticket') {
      output.print({ event: 'ticket', ticket: this.ticket(), topic: this.topic.id })
      return
    }
    if (text === '/neighbors') {
      output.print({ event: 'info', text: `neighbors: ${this.topic.neighbors().map((p) => this.label(p)).join(', ') || 'none'}` })
      return
    }
    if (text.length > MAX_TEXT_CHARS) {
      output.print({ event: 'info', text: `message not sent: ${text.length} characters, at most ${MAX_TEXT_CHARS}` })
      return
    }
    try {
      await this.topic.broadcast(encodeChat({ type: 'chat', text }))
    } catch (err) {
      output.print({ event: 'info', text: `message not sent: ${(err as Error).message}` })
    }
  }

  private async consumeEvents(): Promise<void> {
    for await (const event of this.topic.events({ bufferSize: 4_096 })) this.onEvent(event)
  }

  private onEvent(event: GossipEvent): void {
    const { output } = this.options
    switch (event.type) {
      case 'received': {
        const message = decodeChat(event.content)
        if (message === undefined) return
        if (message.type === 'name') {
          if (this.names.get(event.author) === message.name) return
          this.remember(event.author, message.name)
          output.print({ event: 'name', from: event.author, name: message.name })
          return
        }
        output.print({ event: 'message', from: event.author, name: this.label(event.author), text: cleanText(message.text) })
        return
      }
      case 'neighborUp':
        output.print({ event: 'neighborUp', peer: event.peer, name: this.names.get(event.peer) })
        void this.announceName(this.announced ? 'neighbors' : 'swarm')
        break
      case 'neighborDown':
        output.print({ event: 'neighborDown', peer: event.peer, name: this.names.get(event.peer), reason: event.reason })
        break
      case 'lagged':
        output.print({ event: 'lagged', missed: event.missed })
        return
    }
    this.printStatus()
    this.updateStateFile()
  }

  private async announceName(scope: 'swarm' | 'neighbors'): Promise<void> {
    if (this.name === undefined || this.closing !== undefined || this.topic.neighbors().length === 0) return
    this.announced = true
    const payload = encodeChat({ type: 'name', name: this.name })
    try {
      if (scope === 'swarm') await this.topic.broadcast(payload)
      else await this.topic.broadcastNeighbors(payload)
    } catch {
      // The topic was left meanwhile: nothing to announce to.
    }
  }

  private remember(author: string, name: string): void {
    this.names.delete(author)
    this.names.set(author, name)
    if (this.names.size > MAX_KNOWN_NAMES) this.names.delete(this.names.keys().next().value as string)
  }

  private label(peer: string): string {
    return this.names.get(peer) ?? peer.slice(0, 8)
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
    writeStateFile(this.options.stateDir, { pid: process.pid, id: this.node.id, topic: this.topic.id, ticket: this.ticket() })
  }

  private shutdown(code: number): Promise<number> {
    this.closing ??= (async () => {
      if (this.nameTimer !== undefined) clearInterval(this.nameTimer)
      this.lines?.close()
      removeStateFile(this.options.stateDir, process.pid)
      await this.node.close()
      return code
    })()
    return this.closing
  }
}

/** Keeps only the addresses a ticket can carry (dialable IP addresses with a port). */
function ticketable(peer: NodeAddr): NodeAddr {
  const addrs = peer.addrs.filter((addr) => {
    try {
      validateNodeAddr({ id: peer.id, addrs: [addr] })
      return true
    } catch {
      return false
    }
  })
  return { id: peer.id, addrs: addrs.slice(0, MAX_ADDRS_PER_PEER) }
}
