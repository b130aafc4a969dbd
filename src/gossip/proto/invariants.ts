/**
 * Local invariants of one node's protocol state, checked by the simulator after every
 * step and usable in tests. A violation is a bug in the core: it throws InvariantError.
 */
import { InvariantError } from '../../errors.js'
import type { ProtocolState } from './state.js'

/** Names the node and topic in a violation's message; spelled out only when one is thrown (checked after every simulated step). */
class Where {
  constructor(
    private readonly me: string,
    private readonly topicId: string,
  ) {}

  toString(): string {
    return `node ${this.me} topic ${this.topicId.slice(0, 8)}`
  }
}

/**
 * Checks every joined topic of `state`: view sizes within capacity, the node not in its
 * own views, active/passive/pending disjoint, eager and lazy disjoint and together equal
 * to the active view. Throws InvariantError on the first violation.
 */
export function checkInvariants(state: ProtocolState): void {
  const { activeViewCapacity, passiveViewCapacity } = state.config.membership
  for (const topicId of state.topicIds()) {
    const topic = state.topic(topicId)
    if (topic === undefined) continue
    const { active, passive, pending } = topic.membership
    const { eager, lazy } = topic.broadcast
    const where = new Where(state.me, topicId)
    if (active.size > activeViewCapacity) {
      throw new InvariantError(`${where}: active view has ${active.size} > ${activeViewCapacity} peers`)
    }
    if (passive.size > passiveViewCapacity) {
      throw new InvariantError(`${where}: passive view has ${passive.size} > ${passiveViewCapacity} peers`)
    }
    if (active.has(state.me) || passive.has(state.me) || pending.has(state.me)) {
      throw new InvariantError(`${where}: node is in its own view`)
    }
    for (const peer of active) {
      if (passive.has(peer)) throw new InvariantError(`${where}: ${peer} is both active and passive`)
      if (pending.has(peer)) throw new InvariantError(`${where}: ${peer} is both active and pending`)
    }
    for (const peer of eager) {
      if (lazy.has(peer)) throw new InvariantError(`${where}: ${peer} is both eager and lazy`)
      if (!active.has(peer)) throw new InvariantError(`${where}: eager peer ${peer} is not active`)
    }
    for (const peer of lazy) {
      if (!active.has(peer)) throw new InvariantError(`${where}: lazy peer ${peer} is not active`)
    }
    if (eager.size + lazy.size !== active.size) {
      throw new InvariantError(
        `${where}: eager (${eager.size}) + lazy (${lazy.size}) != active (${active.size})`,
      )
    }
  }
}
