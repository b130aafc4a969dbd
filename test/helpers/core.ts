/** Helpers for scripted unit tests of the protocol core: events in, readable actions out. */
import type { ProtocolConfigInput } from '../../src/gossip/proto/config.js'
import type { Action, InEvent, TopicCommand, TopicTimer } from '../../src/gossip/proto/io.js'
import type { TopicMessage } from '../../src/gossip/proto/messages.js'
import { SeededRng } from '../../src/gossip/proto/rng.js'
import { ProtocolState } from '../../src/gossip/proto/state.js'

export const TOPIC = 'ab'.repeat(32)
export const OTHER_TOPIC = 'cd'.repeat(32)

/** A node under test with a clock and a log of what it did. */
export class Harness {
  readonly state: ProtocolState
  nowMs = 0

  constructor(
    readonly me = 'me',
    config: ProtocolConfigInput = {},
    seed = 1,
  ) {
    this.state = new ProtocolState(me, new SeededRng(seed), config)
  }

  handle(event: InEvent): Action[] {
    return this.state.handle(event, this.nowMs)
  }

  command(command: TopicCommand, topic = TOPIC): Action[] {
    return this.handle({ type: 'command', topic, command })
  }

  receive(from: string, message: TopicMessage, topic = TOPIC): Action[] {
    return this.handle({ type: 'message', from, topic, message })
  }

  fire(timer: TopicTimer, topic = TOPIC): Action[] {
    return this.handle({ type: 'timer', timer: { topic, timer } })
  }

  /** Brings `peers` into the active view by accepting a JOIN from each. */
  withNeighbors(...peers: string[]): this {
    this.command({ type: 'join', peers: [] })
    let seq = 1000
    for (const peer of peers) this.receive(peer, { type: 'join', seq: seq++ })
    return this
  }

  get membership() {
    const topic = this.state.topic(TOPIC)
    if (topic === undefined) throw new Error('not joined')
    return topic.membership
  }

  get broadcast() {
    const topic = this.state.topic(TOPIC)
    if (topic === undefined) throw new Error('not joined')
    return topic.broadcast
  }
}

/** One line per action, e.g. "send b join", "schedule shuffle 60000", "emit neighborUp b". */
export function describe(actions: readonly Action[]): string[] {
  return actions.map((action) => {
    switch (action.type) {
      case 'send':
        return `send ${action.to} ${describeMessage(action.message)}`
      case 'schedule':
        return `schedule ${action.timer.timer.kind} ${action.delayMs}`
      case 'emit': {
        const event = action.event
        if (event.type === 'received') return `emit received from ${event.deliveredBy} hops ${event.hops}`
        if (event.type === 'neighborDown') return `emit neighborDown ${event.peer} ${event.reason}`
        return `emit neighborUp ${event.peer}`
      }
      case 'peerData':
        return `peerData ${action.peer}`
      case 'disconnect':
        return `disconnect ${action.peer}`
    }
  })
}

function describeMessage(message: TopicMessage): string {
  switch (message.type) {
    case 'neighbor':
      return `neighbor ${message.priority} #${message.requestId}`
    case 'neighborReply':
      return `neighborReply ${message.accepted ? 'accepted' : 'rejected'} #${message.requestId}`
    case 'forwardJoin':
      return `forwardJoin ${message.peer.id} ttl ${message.ttl}`
    case 'disconnect':
      return `disconnect ${message.alive ? 'alive' : 'leaving'}`
    case 'shuffle':
      return `shuffle origin ${message.origin.id} ttl ${message.ttl} nodes ${message.nodes.length}`
    case 'shuffleReply':
      return `shuffleReply nodes ${message.nodes.length}`
    case 'gossip':
      return `gossip round ${message.round}`
    case 'ihave':
      return `ihave ${message.entries.map((e) => e.round).join(',')}`
    case 'graft':
      return `graft${message.id === undefined ? '' : ' id'} round ${message.round}`
    default:
      return message.type
  }
}

/** 64-hex message id from a small number. */
export function messageId(n: number): string {
  return n.toString(16).padStart(64, '0')
}
