/**
 * The node driver: connects the pure protocol core to a transport and a clock.
 *
 * It maps core actions to IO (send → encode + batch per peer + dial if needed;
 * schedule → the timer heap; disconnect → graceful close once nothing is queued;
 * peerData → the address book) and IO to core events (frames → decoded messages;
 * connection failures and failed dials → `peerDisconnected`; timers → `timer`).
 * No protocol decision lives here. Checks before the core sees a message: the wire
 * decoder's limits; for GOSSIP the acceptance window of its signed timestamp
 * (replay-guard.ts), the sender's budget of signature checks (taken before any check),
 * and the envelope check (the id is the hash of the content and the author's signature
 * is valid); a peer that sends bytes failing the decoder or the envelope check is
 * disconnected, and the message is dropped and counted. On the way out to the
 * application the replay guard delivers each id at most once. Peer data learned from
 * neighbors passes the address policy and dials to such peers the dial budget
 * (dial-guard.ts).
 */
import { shortId } from '../../ids.js'
import { logger } from '@libp2p/logger'
import type { Logger } from '../../log.js'
import type { ProtocolConfig } from '../proto/config.js'
import type { Action, InEvent, Timer, TopicCommand, TopicEvent } from '../proto/io.js'
import type { GossipMessage } from '../proto/messages.js'
import type { ProtocolState, TopicStats } from '../proto/state.js'
import type { PeerId, TopicId } from '../proto/types.js'
import type { CloseInfo, Connection, Transport } from '../../transport/types.js'
import { decodeFrame, encodeFrames, WireError, type EncodedBodies, type WireEntry, type WireLimits } from '../wire/codec.js'
import type { TopicMessage } from '../proto/messages.js'
import { TokenBucket } from '../../transport/rate-limit.js'
import { AddressBook, decodeAddrs } from './address-book.js'
import type { Clock } from './virtual-clock.js'
import { DEFAULT_MAX_CONCURRENT_DIALS, DialQueue } from './dial-queue.js'
import type { DriverStats } from './driver-stats.js'
import { DialGuard, listensOnLoopback, type DialGuardOptions } from './dial-guard.js'
import { AuthorOrder, type AuthorOrderOptions, type Numbered, type Release } from './author-order.js'
import type { GossipEvent, ReceivedEvent } from './events.js'
import { EnvelopeVerifier, envelopeAuthor, envelopeId, envelopeTimestamp, openVerified, type OpenedEnvelope } from './envelope.js'
import { LATE_AFTER_MS } from './late.js'
import { ReplayGuard, type ReplayGuardOptions } from './replay-guard.js'
import { DEFAULT_VERIFY_BUDGET, type VerifyBudgetOptions } from './verify-budget.js'
import { TimerHeap } from './timer-heap.js'
import { DEFAULT_UNUSED_LINK_TIMEOUT_MS } from './config.js'

/** Cap on wire entries queued for one peer while it is being dialed. */
export const MAX_QUEUED_ENTRIES_PER_DIAL = 1_024
/** Cap on ids whose envelope was verified recently (duplicates skip the check). */
export const MAX_VERIFIED_IDS = 16_384

/** A received broadcast in the per-author order buffer: its event (but for `late`, judged on delivery) and where it stands in its author's stream. */
interface Ordered extends Numbered {
  readonly event: Omit<ReceivedEvent, 'late'>
}

export type { DriverStats } from './driver-stats.js'

/** Ids of our own broadcasts remembered to tell them from another process's (same key). */
export const MAX_OWN_IDS = 20_000
/** How long our own broadcast ids are remembered (the replay window). */
const OWN_ID_RETENTION_MS = 90_000

interface PeerBudget {
  /** Admits signature checks at the budget. */
  readonly bucket: TokenBucket
  /** Twice the rate, the same burst: running it dry for the grace disconnects. */
  readonly hard: TokenBucket
  overSinceMs: number | undefined
}


export interface NodeDriverInit {
  readonly state: ProtocolState
  readonly transport: Transport
  readonly clock: Clock
  readonly wireLimits: WireLimits
  /** Called for every topic event (received messages already verified and opened). */
  readonly onTopicEvent: (topic: TopicId, event: GossipEvent) => void
  readonly log?: Logger
  /**
   * A link that no topic needs (not a neighbor, no pending request, no dial) is closed
   * after this long, checked again every period while it is needed: an authenticated
   * peer that never joins a topic cannot hold a connection slot. Default 30 s.
   */
  readonly unusedLinkTimeoutMs?: number
  /** Dial budget and address policy for network-learned peers (see dial-guard.ts). */
  readonly dialGuard?: Partial<DialGuardOptions>
  /** Replay window and delivered-id caps (see replay-guard.ts). */
  readonly replayGuard?: Partial<ReplayGuardOptions>
  /** Per-peer signature-check budget. */
  readonly verifyBudget?: Partial<VerifyBudgetOptions>
  /** Wall clock for envelope timestamps (default Date.now). */
  readonly wallClock?: () => number
  /** Per-author order buffer limits (see author-order.ts). */
  readonly authorOrder?: Partial<AuthorOrderOptions>
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
    staleDropped: 0,
    replaysSuppressed: 0,
    deliveryRefused: 0,
    authorGaps: 0,
    verifyBudgetDropped: 0,
    verifyBudgetDisconnects: 0,
    learnedAddrsRefused: 0,
    dialsDeferred: 0,
    dialsRefused: 0,
    learnedPeersForgotten: 0,
    badInformantsDropped: 0,
    ownKeyInUseElsewhere: 0,
    unencodableDropped: 0,
  }

  private readonly state: ProtocolState
  private readonly transport: Transport
  private readonly clock: Clock
  private readonly timers: TimerHeap
  private readonly verifier = new EnvelopeVerifier()
  /** Ids whose envelope was verified -> its author. Capacity: MAX_VERIFIED_IDS. */
  private readonly verifiedIds = new Map<string, string>()
  private readonly outgoing = new Map<PeerId, WireEntry[]>()
  /**
   * Messages encoded during one flush, by message object: the core hands the same object
   * to every peer it sends it to (a forwarded GOSSIP to each eager neighbor), so it is
   * encoded once. Cleared after every flush, so it holds at most one flush's messages.
   */
  private readonly encodedBodies: EncodedBodies = new Map()
  /** Frames of one-message batches during one flush (same message, same topic: same bytes). Cleared with `encodedBodies`. */
  private readonly singleFrames = new Map<TopicMessage, { readonly topic: TopicId; readonly frames: Uint8Array[] }>()
  private readonly closing = new Set<PeerId>()
  private readonly dials = new Map<PeerId, PendingDial>()
  private readonly log: Logger
  /** One pending "is this link still used?" check per open connection. */
  private readonly unusedChecks = new Map<Connection, unknown>()
  private stopped = false
  private flushScheduled = false
  /** Dials in flight are bounded; the rest wait (see DialQueue). */
  private readonly dialQueue = new DialQueue(DEFAULT_MAX_CONCURRENT_DIALS)
  private readonly dialGuard: DialGuard
  private readonly replayGuard: ReplayGuard
  private readonly verifyBudget: VerifyBudgetOptions
  private readonly budgets = new WeakMap<Connection, PeerBudget>()
  private readonly wallClock: () => number
  /** The neighbor whose message the core is handling (the informant of any peer data it yields). */
  private informant: PeerId | undefined
  /** Our own broadcast ids -> when they may be forgotten (wall clock). */
  private readonly ownIds = new Map<string, number>()
  private lastKeyWarningMs = -Infinity
  /** Timers of dials waiting for their budget. */
  private readonly dialWaits = new Map<PeerId, unknown>()
  /** Per-author order buffers, one per topic that received a numbered message (removed when the topic is left). */
  private readonly orders = new Map<TopicId, AuthorOrder<Ordered>>()
  /** The GOSSIP being handed to the core, opened by its check: delivery reuses it instead of parsing the envelope again. */
  private arriving: { readonly id: string; readonly envelope: OpenedEnvelope } | undefined
  /** The timer of the earliest held message's deadline, and when it fires (monotonic ms). */
  private orderTimer: { readonly handle: unknown; readonly atMs: number } | undefined

  constructor(private readonly init: NodeDriverInit) {
    this.state = init.state
    this.transport = init.transport
    this.clock = init.clock
    this.log = init.log ?? logger('hearsay:node')
    this.timers = new TimerHeap(this.clock, (timers) => this.onTimers(timers))
    this.dialGuard = new DialGuard(init.dialGuard, this.clock.now())
    this.replayGuard = new ReplayGuard(init.replayGuard)
    this.verifyBudget = { ...DEFAULT_VERIFY_BUDGET, ...init.verifyBudget }
    this.wallClock = init.wallClock ?? Date.now
    this.transport.onConnection((conn) => this.attach(conn))
  }

  get config(): ProtocolConfig {
    return this.state.config
  }

  /** Runs a command through the core (throws the core's caller errors). */
  command(topic: TopicId, command: TopicCommand): void {
    if (command.type === 'broadcast' && command.id !== undefined) {
      const now = this.wallClock()
      this.ownIds.set(command.id, now + OWN_ID_RETENTION_MS)
      for (const [id, until] of this.ownIds) {
        if (until > now && this.ownIds.size <= MAX_OWN_IDS) break
        this.ownIds.delete(id)
      }
    }
    this.run({ type: 'command', topic, command })
    if (command.type === 'quit') this.orders.delete(topic)
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
    for (const handle of this.dialWaits.values()) this.clock.clearTimer(handle)
    this.dialWaits.clear()
    if (this.orderTimer !== undefined) this.clock.clearTimer(this.orderTimer.handle)
    this.orderTimer = undefined
    this.orders.clear()
    this.outgoing.clear()
    this.dials.clear()
  }

  /** The active view of `topic` (empty if not joined). */
  neighbors(topic: TopicId): PeerId[] {
    return [...this.state.neighbors(topic)]
  }

  /** Sizes of the topic's capped protocol structures (views, caches, queues). */
  protocolStats(topic: TopicId): TopicStats | undefined {
    return this.state.stats(topic)
  }

  /** The core's link rule, plus: a link being dialed is kept until the dial ends. */
  private linkNeeded(peer: PeerId): boolean {
    return this.state.linkNeeded(peer) || this.dials.has(peer)
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
          this.learnPeerData(action.peer, action.data)
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
    this.forgetEncodings()
    for (const peer of this.closing) {
      if (this.state.linkNeeded(peer)) continue
      const dial = this.dials.get(peer)
      if (dial !== undefined) {
        dial.closeWhenFlushed = true
        continue
      }
      void this.transport.getConnection(peer)?.close()
    }
    this.closing.clear()
  }

  private forgetEncodings(): void {
    if (this.encodedBodies.size > 0) this.encodedBodies.clear()
    if (this.singleFrames.size > 0) this.singleFrames.clear()
  }

  /** The frames of `entries`, reusing this flush's encodings. Throws WireError. */
  private encode(entries: readonly WireEntry[]): Uint8Array[] {
    if (entries.length !== 1) return encodeFrames(entries, this.init.wireLimits, this.encodedBodies)
    const { topic, message } = entries[0] as WireEntry
    const cached = this.singleFrames.get(message)
    if (cached !== undefined && cached.topic === topic) return cached.frames
    const frames = encodeFrames(entries, this.init.wireLimits, this.encodedBodies)
    this.singleFrames.set(message, { topic, frames })
    return frames
  }

  private sendEntries(conn: Connection, entries: readonly WireEntry[]): void {
    let frames: Uint8Array[]
    try {
      frames = this.encode(entries)
    } catch {
      // One of our own messages does not fit the wire (a bug or a misconfiguration, never
      // the peer's fault): encode them one by one, so only that message is dropped.
      frames = this.encodeEach(conn, entries)
    }
    for (const frame of frames) {
      if (conn.send(frame)) this.stats.framesSent++
      else this.stats.sendQueueFull++
    }
  }

  /** The frames of each entry on its own; an entry that cannot be encoded is logged, counted and dropped. */
  private encodeEach(conn: Connection, entries: readonly WireEntry[]): Uint8Array[] {
    const frames: Uint8Array[] = []
    for (const entry of entries) {
      try {
        frames.push(...this.encode([entry]))
      } catch (err) {
        this.stats.unencodableDropped++
        this.log.error('cannot encode a %s message for %s: %s', entry.message.type, shortId(conn.remoteId), (err as Error).message)
      }
    }
    return frames
  }

  private emit(topic: TopicId, event: TopicEvent): void {
    if (event.type !== 'received') {
      this.init.onTopicEvent(topic, event)
      return
    }
    // Opened when the GOSSIP arrived and was verified (this is the same call); a copy
    // that skipped the check (its id verified before) is opened here, without checks.
    const opened = this.arriving?.id === event.id ? this.arriving.envelope : openVerified(event.content)
    const wallNow = this.wallClock()
    const verdict = this.replayGuard.admit(event.id, opened.author, wallNow)
    if (verdict !== 'deliver') {
      if (verdict === 'duplicate') this.stats.replaysSuppressed++
      else this.stats.deliveryRefused++
      this.log('not delivering %s: %s', shortId(event.id), verdict === 'duplicate' ? 'delivered before (replay)' : 'replay guard full')
      return
    }
    const item: Ordered = {
      author: opened.author,
      stream: opened.stream,
      seq: event.scope === 'swarm' ? opened.seq : 0,
      sentAtMs: opened.sentAtMs,
      event: {
        type: 'received',
        content: opened.payload,
        author: opened.author,
        deliveredBy: event.deliveredBy,
        id: event.id,
        hops: event.hops,
        scope: event.scope,
        sentAtMs: opened.sentAtMs,
      },
    }
    if (item.seq === 0) {
      this.deliver(topic, item, wallNow)
      return
    }
    let order = this.orders.get(topic)
    if (order === undefined) {
      order = new AuthorOrder(this.init.authorOrder)
      this.orders.set(topic, order)
    }
    this.release(topic, order.offer(item, this.clock.now()))
  }

  private deliver(topic: TopicId, item: Ordered, wallNow: number): void {
    this.init.onTopicEvent(topic, { ...item.event, late: wallNow - item.sentAtMs > LATE_AFTER_MS })
  }

  /** Hands released messages and gaps to the application, then re-arms the hold timer. */
  private release(topic: TopicId, released: readonly Release<Ordered>[]): void {
    const wallNow = this.wallClock()
    for (const r of released) {
      if (r.kind === 'deliver') this.deliver(topic, r.item, wallNow)
      else {
        this.stats.authorGaps++
        this.log('gap: %d messages of %s missed', r.missed, shortId(r.author))
        this.init.onTopicEvent(topic, { type: 'gap', author: r.author, missed: r.missed })
      }
    }
    this.armOrderTimer()
  }

  private armOrderTimer(): void {
    let earliest: number | undefined
    for (const order of this.orders.values()) {
      const at = order.nextDeadlineMs()
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at
    }
    if (this.orderTimer !== undefined && this.orderTimer.atMs === earliest) return
    if (this.orderTimer !== undefined) this.clock.clearTimer(this.orderTimer.handle)
    this.orderTimer = undefined
    if (earliest === undefined || this.stopped) return
    const handle = this.clock.setTimer(() => {
      this.orderTimer = undefined
      const now = this.clock.now()
      for (const [topic, order] of this.orders) this.release(topic, order.expire(now))
      this.armOrderTimer()
    }, Math.max(0, earliest - this.clock.now()))
    this.orderTimer = { handle, atMs: earliest }
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
    if (this.linkNeeded(peer)) {
      this.scheduleUnusedCheck(conn)
      return
    }
    this.stats.unusedLinksClosed++
    this.log('closing link to %s: no topic used it for %d ms', shortId(peer), idleMs)
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
    const wallNow = this.wallClock()
    for (const { topic, message } of entries) {
      if (message.type === 'gossip') {
        const ts = envelopeTimestamp(message.content)
        if (ts !== undefined && !this.replayGuard.inWindow(ts, wallNow)) {
          this.stats.staleDropped++
          continue
        }
        if (!this.verifiedIds.has(message.id)) {
          const verdict = this.spendVerification(conn, now)
          if (verdict === 'drop') continue
          if (verdict === 'disconnect') break
        }
        if (!this.checkEnvelope(topic, message)) {
          this.stats.forgedDropped++
          this.dropPeer(conn, `forged or tampered message ${shortId(message.id)}`)
          break
        }
      }
      this.informant = from
      try {
        this.perform(this.state.handle({ type: 'message', from, topic, message }, now))
      } finally {
        this.informant = undefined
        this.arriving = undefined
      }
      if (!conn.isOpen) break
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
    // A known id skips the signature check, but only for the very bytes that were verified.
    if (author !== undefined && (envelopeId(message.content) !== message.id || envelopeAuthor(message.content) !== author)) author = undefined
    if (author === undefined) {
      const opened = this.verifier.open(topic, message.id, message.content)
      if (typeof opened === 'string') {
        this.log('refused message %s: %s', shortId(message.id), opened)
        return false
      }
      author = opened.author
      this.arriving = { id: message.id, envelope: opened }
      this.verifiedIds.set(message.id, author)
      if (this.verifiedIds.size > MAX_VERIFIED_IDS) this.verifiedIds.delete(this.verifiedIds.keys().next().value as string)
    }
    if (author === this.transport.localId && !this.ownIds.has(message.id)) this.noteOwnKeyElsewhere(message.id)
    if (author !== message.origin) {
      this.arriving = undefined
      this.log('refused message %s: origin %s is not its author', shortId(message.id), shortId(message.origin))
      return false
    }
    return true
  }

  /**
   * Takes one signature check from `conn`'s budget. Over budget the message is dropped
   * (counted) before any check; still over budget `verifyGraceMs` after the first drop of
   * the episode, the peer is disconnected. The episode ends once the bucket is half full.
   */
  private spendVerification(conn: Connection, now: number): 'ok' | 'drop' | 'disconnect' {
    const o = this.verifyBudget
    if (o.verifiesPerSecond <= 0) return 'ok'
    let budget = this.budgets.get(conn)
    if (budget === undefined) {
      const burst = Math.max(1, o.verifyBurst)
      budget = { bucket: new TokenBucket(o.verifiesPerSecond, burst, now), hard: new TokenBucket(2 * o.verifiesPerSecond, burst, now), overSinceMs: undefined }
      this.budgets.set(conn, budget)
    }
    const { bucket, hard } = budget
    bucket.refill(now)
    hard.refill(now)
    if (hard.has(1)) {
      hard.take(1)
      if (budget.overSinceMs !== undefined && hard.halfFull) budget.overSinceMs = undefined
    } else {
      budget.overSinceMs ??= now
    }
    if (bucket.has(1)) {
      bucket.take(1)
      return 'ok'
    }
    this.stats.verifyBudgetDropped++
    if (budget.overSinceMs === undefined || now - budget.overSinceMs < o.verifyGraceMs) return 'drop'
    this.stats.verifyBudgetDisconnects++
    this.dropPeer(conn, `over twice the verification budget (${o.verifiesPerSecond} signature checks/s) for ${Math.round(now - budget.overSinceMs)} ms`)
    return 'disconnect'
  }

  /** Address data from the core: the user's own (no informant) or learned from a neighbor (checked by the address policy). */
  private learnPeerData(peer: PeerId, data: Uint8Array): void {
    const addrs = decodeAddrs(data)
    const informant = this.informant
    if (informant === undefined) {
      this.addressBook.set(peer, addrs)
      return
    }
    if (this.dialGuard.isBanned(informant, this.clock.now())) {
      this.stats.learnedAddrsRefused += addrs.length
      return
    }
    // A neighbor does not get to redirect a peer the user told us about.
    if (!this.addressBook.source(peer).learned && this.addressBook.get(peer).length > 0) return
    const before = this.dialGuard.stats.learnedAddrsRefused
    const allowed = this.dialGuard.filter(addrs, listensOnLoopback(this.transport.listenAddrs))
    this.stats.learnedAddrsRefused += this.dialGuard.stats.learnedAddrsRefused - before
    if (allowed.length === 0) {
      if (data.length > 0) this.strikeInformant(informant, `named ${shortId(peer)} with no dialable address`)
      return
    }
    this.addressBook.set(peer, allowed, { learned: true, informant })
  }

  /** Counts an undialable peer against the neighbor that named it; past the limit, disconnects it. */
  private strikeInformant(informant: PeerId, why: string): void {
    if (!this.dialGuard.strike(informant, this.clock.now())) return
    const conn = this.transport.getConnection(informant)
    if (conn === undefined) return
    this.stats.badInformantsDropped++
    const reason = `named too many undialable peers (${this.dialGuard.options.informantStrikeLimit} within ${this.dialGuard.options.strikeWindowMs} ms; last: ${why})`
    // Not from inside the core's actions: disconnect once the current work is done.
    queueMicrotask(() => {
      if (!this.stopped && conn.isOpen) this.dropPeer(conn, reason)
    })
  }

  private noteOwnKeyElsewhere(id: string): void {
    this.stats.ownKeyInUseElsewhere++
    const now = this.clock.now()
    if (now - this.lastKeyWarningMs < 60_000) return
    this.lastKeyWarningMs = now
    this.log.error('message %s is signed with this node\'s key but was not sent by this process: the key is in use elsewhere', shortId(id))
  }

  /** Closes a misbehaving peer's connection and tells the core the link failed. */
  private dropPeer(conn: Connection, reason: string): void {
    this.log('disconnecting %s: %s', shortId(conn.remoteId), reason)
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
    this.log('connection to %s failed (%s): %s', shortId(conn.remoteId), info.reason, info.error?.message ?? '')
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

  private startDial(peer: PeerId, waited = false): void {
    const addrs = this.addressBook.get(peer)
    if (addrs.length === 0) {
      queueMicrotask(() => this.failDial(peer, 'no known address'))
      return
    }
    const source = this.addressBook.source(peer)
    if (!source.learned || this.transport.getConnection(peer) !== undefined) {
      this.dialQueue.enqueue(peer, () =>
        this.dialIfStillNeeded(peer, addrs).then(
          (conn) => conn !== undefined && this.finishDial(peer, conn),
          (err: unknown) => this.failDial(peer, err instanceof Error ? err.message : String(err)),
        ),
      )
      return
    }
    const decision = this.dialGuard.decide(source.informant, addrs, this.clock.now(), waited)
    if (decision.kind === 'refuse') {
      this.stats.dialsRefused++
      queueMicrotask(() => this.failDial(peer, `dial budget: ${decision.reason}`))
      return
    }
    if (decision.kind === 'wait') {
      this.stats.dialsDeferred++
      const handle = this.clock.setTimer(() => {
        this.dialWaits.delete(peer)
        if (!this.stopped && this.dials.has(peer)) this.startDial(peer, true)
      }, Math.ceil(decision.waitMs))
      this.dialWaits.set(peer, handle)
      return
    }
    const informant = source.informant
    this.dialQueue.enqueue(peer, () => this.dialIfStillNeeded(peer, decision.addrs).then(
      (conn) => {
        // Not dialed after all (connected meanwhile, or stopping): the slot is still freed.
        this.dialGuard.settled(peer, decision.addrs, true, this.clock.now())
        if (conn !== undefined) this.finishDial(peer, conn)
      },
      (err: unknown) => {
        if (this.dialGuard.settled(peer, decision.addrs, false, this.clock.now())) {
          this.stats.learnedPeersForgotten++
          this.addressBook.delete(peer)
        }
        this.strikeInformant(informant, `dial to ${shortId(peer)} failed`)
        this.failDial(peer, err instanceof Error ? err.message : String(err))
      },
    ))
  }

  /**
   * Dials `peer` when its turn in the dial queue comes, unless that dial is no longer
   * wanted (the node stopped, or the peer connected to us meanwhile): then undefined.
   */
  private dialIfStillNeeded(peer: PeerId, addrs: Parameters<Transport['dial']>[1]): Promise<Connection | undefined> {
    if (this.stopped || !this.dials.has(peer)) return Promise.resolve(undefined)
    return this.transport.dial(peer, addrs)
  }

  private finishDial(peer: PeerId, conn: Connection): void {
    const dial = this.dials.get(peer)
    if (dial === undefined || this.stopped) return
    this.dials.delete(peer)
    this.sendEntries(conn, dial.entries)
    this.forgetEncodings()
    if (dial.closeWhenFlushed && !this.state.linkNeeded(peer)) void conn.close()
  }

  private failDial(peer: PeerId, reason: string): void {
    if (!this.dials.delete(peer) || this.stopped) return
    this.stats.dialsFailed++
    this.log('dial to %s failed: %s', shortId(peer), reason)
    this.run({ type: 'peerDisconnected', peer })
  }
}
