/**
 * Collects the actions produced while the core handles one event, and remembers which
 * peers were involved so the state can tell when a connection is no longer needed.
 */
import type { Action, TopicEvent, TopicTimer } from './io.js'
import type { TopicMessage } from './messages.js'
import type { PeerId, TopicId } from './types.js'

export class Outbox {
  actions: Action[] = []
  /**
   * Peers sent to or dropped during this event, each once, in the order first touched:
   * candidates for `disconnect`. A list, emptied in place after every event (a handful of
   * peers at most; clearing a Set would allocate a fresh table every time).
   */
  readonly touched: PeerId[] = []

  /** Adds `peer` to `touched` unless it is there already. */
  touch(peer: PeerId): void {
    if (!this.touched.includes(peer)) this.touched.push(peer)
  }

  /**
   * Queues a send. `track` = false skips the connection check for `to` (the broadcast
   * layer only sends to active neighbors, or back to the sender of the current message,
   * which the state tracks anyway).
   */
  send(to: PeerId, topic: TopicId, message: TopicMessage, track = true): void {
    this.actions.push({ type: 'send', to, topic, message })
    if (track) this.touch(to)
  }

  schedule(delayMs: number, topic: TopicId, timer: TopicTimer): void {
    this.actions.push({ type: 'schedule', delayMs, timer: { topic, timer } })
  }

  emit(topic: TopicId, event: TopicEvent): void {
    this.actions.push({ type: 'emit', topic, event })
    if (event.type === 'neighborDown') this.touch(event.peer)
  }

  peerData(peer: PeerId, data: Uint8Array): void {
    this.actions.push({ type: 'peerData', peer, data })
  }

  disconnect(peer: PeerId): void {
    this.actions.push({ type: 'disconnect', peer })
  }

  /** Hands out the collected actions and starts a fresh batch. */
  take(): Action[] {
    const actions = this.actions
    this.actions = []
    this.touched.length = 0
    return actions
  }
}
