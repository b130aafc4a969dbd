/**
 * One topic: HyParView membership composed with Plumtree broadcast.
 *
 * Membership decides who the neighbors are; every neighbor up/down is forwarded to the
 * broadcast layer and reported to the application. Broadcast messages from a peer that
 * is not an active neighbor are still handled (a new message is delivered), and the
 * membership layer tells that peer the link is gone (asymmetric-view repair).
 */
import { HearsayError } from '../../errors.js'
import type { ProtocolConfig } from './config.js'
import { HyParView, SeqCounter } from './hyparview.js'
import type { NeighborDownReason, TopicCommand, TopicEvent, TopicTimer } from './io.js'
import type { TopicMessage } from './messages.js'
import { Plumtree } from './plumtree.js'
import { randomHex32, type Rng } from './rng.js'
import type { PeerId, TopicId } from './types.js'
import type { Outbox } from './outbox.js'

/** One topic's protocol state: its membership and broadcast layers (the API's `Topic` is the application's handle). */
export class TopicState {
  readonly membership: HyParView
  readonly broadcast: Plumtree
  /** Time of the event being handled, for callbacks from membership into broadcast. */
  private nowMs = 0
  constructor(
    readonly id: TopicId,
    me: PeerId,
    private readonly config: ProtocolConfig,
    private readonly rng: Rng,
    private readonly out: Outbox,
    seqs: SeqCounter = new SeqCounter(),
  ) {
    const topic = id
    this.broadcast = new Plumtree(me, config.broadcast, {
      send: (to, message) => out.send(to, topic, message, false),
      schedule: (delayMs, timer) => out.schedule(delayMs, topic, timer),
      emit: (event) => out.emit(topic, event),
    })
    this.membership = new HyParView(me, config.membership, rng, {
      send: (to, message) => out.send(to, topic, message),
      schedule: (delayMs, timer) => out.schedule(delayMs, topic, timer),
      peerData: (peer, data) => out.peerData(peer, data),
      neighborUp: (peer, repair, relinked) => this.onNeighborUp(peer, repair, relinked),
      neighborDown: (peer, reason) => this.onNeighborDown(peer, reason),
      probe: (peer) => out.send(peer, topic, { type: 'ihave', entries: [] }, false),
    }, seqs)
  }

  /** Does this topic still need a connection to `peer`? */
  needs(peer: PeerId): boolean {
    return this.membership.needs(peer)
  }

  handleCommand(command: TopicCommand, nowMs: number): void {
    this.nowMs = nowMs
    switch (command.type) {
      case 'join':
        return this.membership.join(command.peers)
      case 'broadcast': {
        const limit = this.config.broadcast.maxMessageBytes
        if (command.content.length > limit) {
          throw new HearsayError(
            'ERR_MESSAGE_TOO_LARGE',
            `broadcast of ${command.content.length} bytes exceeds maxMessageBytes (${limit})`,
          )
        }
        const id = command.id ?? randomHex32(this.rng)
        return this.broadcast.broadcast(id, command.content, command.scope ?? 'swarm', nowMs)
      }
      case 'quit':
        return this.membership.quit()
    }
  }

  handleMessage(from: PeerId, message: TopicMessage, nowMs: number): void {
    this.nowMs = nowMs
    switch (message.type) {
      case 'gossip':
      case 'ihave':
      case 'graft':
      case 'prune': {
        const isNeighbor = this.membership.checkNeighbor(from)
        return this.broadcast.handleMessage(from, message, isNeighbor, nowMs)
      }
      default:
        return this.membership.handleMessage(from, message)
    }
  }

  handleTimer(timer: TopicTimer, nowMs: number): void {
    this.nowMs = nowMs
    switch (timer.kind) {
      case 'graft':
      case 'ihaveDispatch':
        return this.broadcast.handleTimer(timer, nowMs)
      default:
        return this.membership.handleTimer(timer)
    }
  }

  peerDisconnected(peer: PeerId, nowMs: number): void {
    this.nowMs = nowMs
    this.membership.peerDisconnected(peer)
  }

  private onNeighborUp(peer: PeerId, repair: boolean, relinked: boolean): void {
    this.broadcast.neighborUp(peer, repair, relinked, this.nowMs)
    this.out.emit(this.id, { type: 'neighborUp', peer })
  }

  private onNeighborDown(peer: PeerId, reason: NeighborDownReason): void {
    this.broadcast.neighborDown(peer)
    const event: TopicEvent = { type: 'neighborDown', peer, reason }
    this.out.emit(this.id, event)
  }
}
