/**
 * The multi-topic protocol state of one node: the core's single entry point.
 *
 * Routes events to topics by 32-byte topic id, collects the actions they produce, and
 * decides when a peer connection is no longer needed by any topic (`disconnect`).
 * A connection failure is reported to every topic.
 */
import { HearsayError } from '../../errors.js'
import { resolveConfig, type ProtocolConfig, type ProtocolConfigInput } from './config.js'
import type { Action, InEvent } from './io.js'
import { SeqCounter } from './hyparview.js'
import { Outbox } from './outbox.js'
import type { Rng } from './rng.js'
import { TopicState } from './topic.js'
import type { MembershipStats } from './hyparview.js'
import type { BroadcastSizes } from './plumtree.js'
import type { PeerId, PeerView, TopicId } from './types.js'

const NO_PEERS: PeerView & ReadonlySet<PeerId> = new Set<PeerId>()

/** Sizes of one topic's capped protocol structures and its counters (`ProtocolState.stats`). */
export interface TopicStats {
  /** HyParView. */
  readonly membership: MembershipStats
  /** Plumtree. */
  readonly broadcast: BroadcastSizes
}

/**
 * One node's protocol state across all the topics it has joined. Feed every event to
 * `handle` and perform the returned actions; it does no I/O and reads no clock.
 */
export class ProtocolState {
  /** The resolved, validated configuration every topic uses. */
  readonly config: ProtocolConfig
  private readonly topics = new Map<TopicId, TopicState>()
  private readonly out = new Outbox()
  /** Membership sequence numbers, shared by every topic (also one left and joined again). */
  private readonly seqs = new SeqCounter()
  private localData: Uint8Array | undefined

  constructor(
    /** This node's peer id. */
    readonly me: PeerId,
    private readonly rng: Rng,
    config: ProtocolConfigInput | ProtocolConfig = {},
    localData?: Uint8Array,
  ) {
    this.config = resolveConfig(config)
    this.localData = localData
  }

  /** Handles one event at time `nowMs` and returns what the driver must do. */
  handle(event: InEvent, nowMs: number): Action[] {
    switch (event.type) {
      case 'message': {
        const topic = this.topics.get(event.topic)
        this.out.touch(event.from)
        if (topic !== undefined) topic.handleMessage(event.from, event.message, nowMs)
        else this.notSubscribed(event.from, event.topic, event.message.type)
        break
      }
      case 'command':
        this.handleCommand(event, nowMs)
        break
      case 'timer':
        this.topics.get(event.timer.topic)?.handleTimer(event.timer.timer, nowMs)
        break
      case 'peerDisconnected':
        for (const topic of this.topics.values()) topic.peerDisconnected(event.peer, nowMs)
        break
      case 'localData':
        this.localData = event.data
        for (const topic of this.topics.values()) topic.membership.setLocalData(event.data)
        break
    }
    this.releaseUnneeded(event.type === 'peerDisconnected' ? event.peer : undefined)
    return this.out.take()
  }

  /** Topics this node has joined. */
  topicIds(): TopicId[] {
    return [...this.topics.keys()]
  }

  /**
   * The state of topic `id` (its membership and broadcast layers), or undefined if not
   * joined. For scenario code and tests that look inside one layer; drivers and metrics
   * use the accessors below.
   * @internal
   */
  topic(id: TopicId): TopicState | undefined {
    return this.topics.get(id)
  }

  /** The active view (neighbors) of `topic`, live and read-only; empty if not joined. */
  neighbors(topic: TopicId): PeerView {
    return this.topics.get(topic)?.membership.active ?? NO_PEERS
  }

  /** Has this node joined `topic` (and not left it)? */
  joined(topic: TopicId): boolean {
    return this.topics.has(topic)
  }

  /** The passive view (backup peers) of `topic`, live and read-only; empty if not joined. */
  passivePeers(topic: TopicId): PeerView {
    return this.topics.get(topic)?.membership.passive ?? NO_PEERS
  }

  /** Every peer `topic` knows of: views, pending requests, bootstrap, lost and backlog lists; empty if not joined. */
  knownPeers(topic: TopicId): ReadonlySet<PeerId> {
    return this.topics.get(topic)?.membership.knownPeers() ?? NO_PEERS
  }

  /** Sizes of `topic`'s capped structures and its counters; undefined if not joined. */
  stats(topic: TopicId): TopicStats | undefined {
    const state = this.topics.get(topic)
    return state === undefined ? undefined : { membership: state.membership.stats(), broadcast: state.broadcast.sizes() }
  }

  /**
   * The rule for links: a connection to `peer` is still needed while some topic holds it
   * in its active view or awaits its reply. The core emits `disconnect` when an event
   * ends that need; a driver asks again before it acts, since a later event may renew it.
   */
  linkNeeded(peer: PeerId): boolean {
    for (const topic of this.topics.values()) if (topic.needs(peer)) return true
    return false
  }

  private handleCommand(event: Extract<InEvent, { type: 'command' }>, nowMs: number): void {
    const { command } = event
    let topic = this.topics.get(event.topic)
    if (topic === undefined) {
      if (command.type !== 'join') {
        throw new HearsayError('ERR_NOT_SUBSCRIBED', `not subscribed to topic ${event.topic}`)
      }
      topic = new TopicState(event.topic, this.me, this.config, this.rng, this.out, this.seqs)
      topic.membership.setLocalData(this.localData)
      this.topics.set(event.topic, topic)
    }
    topic.handleCommand(command, nowMs)
    if (command.type === 'quit') this.topics.delete(event.topic)
  }

  /**
   * A message for a topic we are not in (we left it, or restarted without it): tell the
   * sender we are gone from that topic, so it drops us instead of keeping a dead
   * neighbor. The sequence number is the largest possible, so the DISCONNECT is never
   * taken for a stale one (the receiver forgets it with the link).
   */
  private notSubscribed(from: PeerId, topic: TopicId, type: string): void {
    if (type === 'disconnect') return
    this.out.send(from, topic, { type: 'disconnect', seq: Number.MAX_SAFE_INTEGER, alive: false })
  }

  /** Emits `disconnect` for every peer touched by this event that no topic needs. */
  private releaseUnneeded(failed: PeerId | undefined): void {
    for (const peer of this.out.touched) {
      if (peer === failed || peer === this.me) continue
      if (!this.linkNeeded(peer)) this.out.disconnect(peer)
    }
  }
}
