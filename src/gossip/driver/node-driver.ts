/**
 * The node driver: connects the pure protocol core to a transport and a clock.
 *
 * It maps core actions to IO (send → encode + batch per peer + dial if needed;
 * schedule → the timer heap; disconnect → graceful close once nothing is queued;
 * peerData → the address book) and IO to core events (frames → decoded messages;
 * connection failures and failed dials → `peerDisconnected`; timers → `timer`).
 * No protocol decision lives here. Two checks happen before the core sees a message:
 * the wire decoder's limits, and for GOSSIP the envelope check (the id is the hash of
 * the content and the author's signature is valid); a peer that sends bytes failing
 * either is disconnected, and the message is dropped and counted.
 */
import { logger, type Logger } from '@libp2p/logger'
import type { ProtocolConfig } from '../proto/config.js'
import type { Action, InEvent, Timer, TopicCommand, TopicEvent } from '../proto/io.js'
import type { GossipMessage } from '../proto/messages.js'
import type { ProtocolState } from '../proto/state.js'
import type { HyParView } from '../proto/hyparview.js'
import type { Plumtree } from '../proto/plumtree.js'
import type { PeerId, TopicId } from '../proto/types.js'
import type { CloseInfo, Connection, Transport } from '../../transport/types.js'
import { decodeFrame, encodeFrames, WireError, type WireEntry, type WireLimits } from '../wire.js'
import { AddressBook, decodeAddrs } from './address-book.js'
import type { Clock } from './clock.js'
import { DEFAULT_MAX_CONCURRENT_DIALS, DialQueue } from './dial-queue.js'
import { EnvelopeVerifier, openVerified } from './envelope.js'
import { TimerHeap } from './timer-heap.js'

/** Cap on wire entries queued for one peer while it is being dialed. */
export const MAX_QUEUED_ENTRIES_PER_DIAL = 1_024
/** Cap on ids whose envelope was verified recently (duplicates skip the check). */
export const MAX_VERIFIED_IDS = 16_384

/** A delivered broadcast, with its envelope opened. */
export interface DeliveredMessage {
  readonly id: string
  readonly author: string
  readonly payload: Uint8Array
  readonly deliveredBy: PeerId
  readonly hops: number
  readonly scope: 'swarm' | 'neighbors'
}

export type DriverTopicEvent =
  | { readonly type: 'received'; readonly message: DeliveredMessage }
  | Exclude<TopicEvent, { type: 'received' }>

export interface DriverStats {
  framesReceived: number
  framesSent: number
  /** GOSSIP refused: malformed envelope, id not the hash of the content, or bad signature. */
  forgedDropped: number
  /** Frames a peer sent that the wire decoder rejected (each closed that connection). */
  badFrames: number
  /** Frames not sent because a connection's send queue was full. */
  sendQueueFull: number
  /** Entries dropped because a dial queue was full. */
  dialQueueFull: number
  dialsFailed: number
  /** Links closed because no topic used them for `unusedLinkTimeoutMs` (e.g. a peer that never joins a topic). */
  unusedLinksClosed: number
}

/** Default for {@link NodeDriverInit.unusedLinkTimeoutMs}: a peer has 30 s to use a link. */
export const DEFAULT_UNUSED_LINK_TIMEOUT_MS = 30_000

export interface NodeDriverInit {
  readonly state: ProtocolState
  readonly transport: Transport
  readonly clock: Clock
  readonly wireLimits: WireLimits
  /** Called for every topic event (received messages already verified and opened). */
  readonly onTopicEvent: (topic: TopicId, event: DriverTopicEvent) => void
  readonly log?: Logger
  /**
   * A link that no topic needs (not a neighbor, no pending request, no dial) is closed
   * after this long, checked again every period while it is needed: an authenticated
   * peer that never joins a topic cannot hold a connection slot. Default 30 s.
   */
  readonly unusedLinkTimeoutMs?: number
}

interface PendingDial {
  readonly entries: WireEntry[]
  closeWhenFlushed: boolean
}

export class NodeDriver {
  readonly addressBook = new AddressBook()
  readonly stats: DriverStats = {
    framesReceived: 0,
    framesSent: 0,
    forgedDropped: 0,
    badFrames: 0,
    sendQueueFull: 0,
    dialQueueFull: 0,
    dialsFailed: 0,
    unusedLinksClosed: 0,
  }

  private readonly state: ProtocolState
  private readonly transport: Transport
  private readonly clock: Clock
  private readonly timers: TimerHeap
  private readonly verifier = new EnvelopeVerifier()
  /** Ids whose envelope was verified -> its author. Capacity: MAX_VERIFIED_IDS. */
  private readonly verifiedIds = new Map<string, string>()
  private readonly outgoing = new Map<PeerId, WireEntry[]>()
  private readonly closing = new Set<PeerId>()
  private readonly dials = new Map<PeerId, PendingDial>()
  private readonly log: Logger
  /** One pending "is this link still used?" check per open connection. */
  private readonly unusedChecks = new Map<Connection, unknown>()
  private stopped = false
  private flushScheduled = false
  /** Dials in flight are bounded; the rest wait (see DialQueue). */
  private readonly dialQueue = new DialQueue(DEFAULT_MAX_CONCURRENT_DIALS, (peer) => this.dialNow(peer))

  constructor(private readonly init: NodeDriverInit) {
    this.state = init.state
    this.transport = init.transport
    this.clock = init.clock
    this.log = init.log ?? logger('hearsay:node')
    this.timers = new TimerHeap(this.clock, (timers) => this.onTimers(timers))
    this.transport.onConnection((conn) => this.attach(conn))
  }

  get config(): ProtocolConfig {
    return this.state.config
  }

  /** Runs a command through the core (throws the core's caller errors). */
  command(topic: TopicId, command: TopicCommand): void {
    this.run({ type: 'command', topic, command })
  }

  /** Tells the core our own address data (sent inside JOIN, NEIGHBOR, SHUFFLE). */
  setLocalData(data: Uint8Array): void {
    this.run({ type: 'localData', data })
  }

  /** Stops timers and drops queued work; the caller closes the transport. */
  stop(): void {
    this.stopped = true
    this.timers.stop()
    for (const handle of this.unusedChecks.values()) this.clock.clearTimer(handle)
    this.unusedChecks.clear()
    this.outgoing.clear()
    this.dials.clear()
  }

  /** The active view of `topic` (empty if not joined). */
  neighbors(topic: TopicId): PeerId[] {
    return [...(this.state.topic(topic)?.membership.active ?? [])]
  }

  /** Sizes of the topic's capped protocol structures (views, caches, queues). */
  protocolSizes(topic: TopicId): { membership: ReturnType<HyParView['stats']>; broadcast: ReturnType<Plumtree['sizes']> } | undefined {
    const state = this.state.topic(topic)
    return state === undefined ? undefined : { membership: state.membership.stats(), broadcast: state.broadcast.sizes() }
  }

  /** Pending core timers (for tests). */
  get pendingTimers(): number {
    return this.timers.size
  }

  // ---------------------------------------------------------------- core in / out

  private run(event: InEvent): void {
    if (this.stopped) return
    const actions = this.state.handle(event, this.clock.now())
    this.perform(actions)
    this.flush()
  }

  private perform(actions: readonly Action[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'send': {
          let entries = this.outgoing.get(action.to)
          if (entries === undefined) {
            entries = []
            this.outgoing.set(action.to, entries)
          }
          entries.push({ topic: action.topic, message: action.message })
          break
        }
        case 'schedule':
          this.timers.schedule(action.delayMs, action.timer)
          break
        case 'emit':
          this.emit(action.topic, action.event)
          break
        case 'peerData':
          this.addressBook.set(action.peer, decodeAddrs(action.data))
          break
        case 'disconnect':
          this.closing.add(action.peer)
          break
      }
    }
  }

  /** Sends what the last events produced (one batch per peer) and closes unneeded links. */
  private flush(): void {
    for (const [peer, entries] of this.outgoing) {
      const conn = this.transport.getConnection(peer)
      if (conn !== undefined && conn.isOpen) this.sendEntries(conn, entries)
      else this.queueForDial(peer, entries)
    }
    this.outgoing.clear()
    for (const peer of this.closing) {
      if (this.state.needs(peer)) continue
      const dial = this.dials.get(peer)
      if (dial !== undefined) {
        dial.closeWhenFlushed = true
        continue
      }
      void this.transport.getConnection(peer)?.close()
    }
    this.closing.clear()
  }

  private sendEntries(conn: Connection, entries: readonly WireEntry[]): void {
    let frames: Uint8Array[]
    try {
      frames = encodeFrames(entries, this.init.wireLimits)
    } catch (err) {
      // Our own message does not fit the wire: a bug or a misconfiguration, never the peer's fault.
      this.log.error('cannot encode messages for %s: %s', conn.remoteId.slice(0, 8), (err as Error).message)
      return
    }
    for (const frame of frames) {
      if (conn.send(frame)) this.stats.framesSent++
      else this.stats.sendQueueFull++
    }
  }

  private emit(topic: TopicId, event: TopicEvent): void {
    if (event.type !== 'received') {
      this.init.onTopicEvent(topic, event)
      return
    }
    // The envelope was verified when the GOSSIP arrived; open it without checks.
    const opened = openVerified(event.content)
    this.init.onTopicEvent(topic, {
      type: 'received',
      message: {
        id: event.id,
        author: opened.author,
        payload: opened.payload,
        deliveredBy: event.deliveredBy,
        hops: event.hops,
        scope: event.scope,
      },
    })
  }

  private onTimers(timers: readonly Timer[]): void {
    if (this.stopped) return
    const now = this.clock.now()
    for (const timer of timers) this.perform(this.state.handle({ type: 'timer', timer }, now))
    this.flush()
  }

  // ---------------------------------------------------------------- connections

  private attach(conn: Connection): void {
    conn.setHandler({
      onFrame: (frame) => this.onFrame(conn, frame),
      onClose: (info) => this.onClose(conn, info),
    })
    this.scheduleUnusedCheck(conn)
    const dial = this.dials.get(conn.remoteId)
    if (dial !== undefined) this.finishDial(conn.remoteId, conn)
  }

  private scheduleUnusedCheck(conn: Connection): void {
    if (this.stopped) return
    const delayMs = this.init.unusedLinkTimeoutMs ?? DEFAULT_UNUSED_LINK_TIMEOUT_MS
    const handle = this.clock.setTimer(() => {
      this.unusedChecks.delete(conn)
      this.closeIfUnused(conn, delayMs)
    }, delayMs)
    this.unusedChecks.set(conn, handle)
  }

  private closeIfUnused(conn: Connection, idleMs: number): void {
    if (this.stopped || !conn.isOpen) return
    const peer = conn.remoteId
    if (this.state.needs(peer) || this.dials.has(peer)) {
      this.scheduleUnusedCheck(conn)
      return
    }
    this.stats.unusedLinksClosed++
    this.log('closing link to %s: no topic used it for %d ms', peer.slice(0, 8), idleMs)
    void conn.close()
  }

  private onFrame(conn: Connection, frame: Uint8Array): void {
    if (this.stopped) return
    this.stats.framesReceived++
    let entries: WireEntry[]
    try {
      entries = decodeFrame(frame, this.init.wireLimits)
    } catch (err) {
      if (!(err instanceof WireError)) throw err
      this.stats.badFrames++
      this.dropPeer(conn, `bad frame: ${err.message}`)
      return
    }
    const now = this.clock.now()
    const from = conn.remoteId
    for (const { topic, message } of entries) {
      if (message.type === 'gossip' && !this.checkEnvelope(topic, message)) {
        this.stats.forgedDropped++
        this.dropPeer(conn, `forged or tampered message ${message.id.slice(0, 8)}`)
        break
      }
      this.perform(this.state.handle({ type: 'message', from, topic, message }, now))
    }
    this.flushSoon()
  }

  /**
   * Flushes once the frames read in this turn of the event loop are handled, so what they
   * cause goes out in one frame per peer (a socket read often holds many frames): fewer
   * frames for the peers' rate limits, fewer encryptions and writes.
   */
  private flushSoon(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    queueMicrotask(() => {
      this.flushScheduled = false
      if (!this.stopped) this.flush()
    })
  }

  /**
   * True if the GOSSIP's envelope is genuine (or its id was verified before) and the
   * origin it names, which picks the broadcast tree, is the envelope's author.
   */
  private checkEnvelope(topic: TopicId, message: GossipMessage): boolean {
    let author = this.verifiedIds.get(message.id)
    if (author === undefined) {
      const opened = this.verifier.open(topic, message.id, message.content)
      if (typeof opened === 'string') {
        this.log('refused message %s: %s', message.id.slice(0, 8), opened)
        return false
      }
      author = opened.author
      this.verifiedIds.set(message.id, author)
      if (this.verifiedIds.size > MAX_VERIFIED_IDS) this.verifiedIds.delete(this.verifiedIds.keys().next().value as string)
    }
    if (author !== message.origin) {
      this.log('refused message %s: origin %s is not its author', message.id.slice(0, 8), message.origin.slice(0, 8))
      return false
    }
    return true
  }

  /** Closes a misbehaving peer's connection and tells the core the link failed. */
  private dropPeer(conn: Connection, reason: string): void {
    this.log('disconnecting %s: %s', conn.remoteId.slice(0, 8), reason)
    void conn.close()
    this.run({ type: 'peerDisconnected', peer: conn.remoteId })
  }

  private onClose(conn: Connection, info: CloseInfo): void {
    const check = this.unusedChecks.get(conn)
    if (check !== undefined) {
      this.clock.clearTimer(check)
      this.unusedChecks.delete(conn)
    }
    if (this.stopped) return
    // A graceful close (the peer's DISCONNECT came first), our own close, or a replaced
    // duplicate says nothing new; a timeout, protocol error or crash is a failure.
    if (info.reason === 'local' || info.reason === 'remote' || info.reason === 'replaced') return
    this.log('connection to %s failed (%s): %s', conn.remoteId.slice(0, 8), info.reason, info.error?.message ?? '')
    this.run({ type: 'peerDisconnected', peer: conn.remoteId })
  }

  // ---------------------------------------------------------------- dialing

  private queueForDial(peer: PeerId, entries: readonly WireEntry[]): void {
    let dial = this.dials.get(peer)
    if (dial === undefined) {
      dial = { entries: [], closeWhenFlushed: false }
      this.dials.set(peer, dial)
      this.startDial(peer)
    }
    for (const entry of entries) {
      if (dial.entries.length >= MAX_QUEUED_ENTRIES_PER_DIAL) {
        this.stats.dialQueueFull++
        continue
      }
      dial.entries.push(entry)
    }
  }

  private startDial(peer: PeerId): void {
    if (this.addressBook.get(peer).length === 0) {
      queueMicrotask(() => this.failDial(peer, 'no known address'))
      return
    }
    this.dialQueue.enqueue(peer)
  }

  /** Runs the dial of `peer` (its turn in the dial queue came); settles when it ends. */
  private dialNow(peer: PeerId): Promise<void> {
    if (this.stopped || !this.dials.has(peer)) return Promise.resolve()
    const addrs = this.addressBook.get(peer)
    if (addrs.length === 0) {
      this.failDial(peer, 'no known address')
      return Promise.resolve()
    }
    return this.transport.dial(peer, addrs).then(
      (conn) => this.finishDial(peer, conn),
      (err: unknown) => this.failDial(peer, err instanceof Error ? err.message : String(err)),
    )
  }

  private finishDial(peer: PeerId, conn: Connection): void {
    const dial = this.dials.get(peer)
    if (dial === undefined || this.stopped) return
    this.dials.delete(peer)
    this.sendEntries(conn, dial.entries)
    if (dial.closeWhenFlushed && !this.state.needs(peer)) void conn.close()
  }

  private failDial(peer: PeerId, reason: string): void {
    if (!this.dials.delete(peer) || this.stopped) return
    this.stats.dialsFailed++
    this.log('dial to %s failed: %s', peer.slice(0, 8), reason)
    this.run({ type: 'peerDisconnected', peer })
  }
}
