import { describe as suite, expect, it } from 'vitest'
import { Harness, describe, messageId } from '../helpers/core.js'
import type { GossipMessage } from '../../src/gossip/proto/messages.js'
import type { ProtocolConfigInput } from '../../src/gossip/proto/config.js'

/**
 * These tests check the paper's rules on the shared tree, so a first message's PRUNE
 * reaches it at once (sharedTreeQuietMs 0); the hold-back has tests of its own.
 */
class PaperHarness extends Harness {
  constructor(me = 'me', config: ProtocolConfigInput = {}) {
    super(me, { ...config, broadcast: { sharedTreeQuietMs: 0, ...config.broadcast } })
  }
}

const content = new Uint8Array([1, 2, 3])
function gossip(id: number, round: number): GossipMessage {
  return { type: 'gossip', id: messageId(id), origin: 'o', content, round, scope: 'swarm' }
}

/** A node with neighbors a, b, c, where c has been made lazy by a PRUNE. */
function nodeWithLazyC(config = {}) {
  const node = new PaperHarness('me', config).withNeighbors('a', 'b', 'c')
  node.receive('c', { type: 'prune', origin: 'o' })
  return node
}

suite('Plumtree: broadcast', () => {
  it('pushes to eager peers now and announces to lazy peers after the IHAVE batch delay', () => {
    const node = nodeWithLazyC()
    const lines = describe(node.command({ type: 'broadcast', content, id: messageId(1) }))
    expect(lines).toEqual(['send a gossip round 0', 'send b gossip round 0', 'schedule ihaveDispatch 5'])
    expect(describe(node.fire({ kind: 'ihaveDispatch' }))).toEqual(['send c ihave 0'])
  })

  it('batches several announcements for one peer into one IHAVE', () => {
    const node = nodeWithLazyC()
    node.command({ type: 'broadcast', content, id: messageId(1) })
    node.command({ type: 'broadcast', content, id: messageId(2) })
    expect(describe(node.fire({ kind: 'ihaveDispatch' }))).toEqual(['send c ihave 0,0'])
  })

  it('gives every broadcast its own id, so identical content is delivered twice', () => {
    const node = new PaperHarness().withNeighbors('a')
    const first = node.command({ type: 'broadcast', content })
    const second = node.command({ type: 'broadcast', content })
    const idOf = (actions: ReturnType<Harness['handle']>) => {
      const send = actions.find((a) => a.type === 'send')
      return send?.type === 'send' && send.message.type === 'gossip' ? send.message.id : undefined
    }
    expect(idOf(first)).toMatch(/^[0-9a-f]{64}$/)
    expect(idOf(first)).not.toBe(idOf(second))
    const receiver = new PaperHarness('r').withNeighbors('x')
    const delivered = (actions: ReturnType<Harness['handle']>) => describe(actions).filter((l) => l.startsWith('emit received'))
    for (const actions of [first, second]) {
      const send = actions.find((a) => a.type === 'send')
      if (send?.type !== 'send' || send.message.type !== 'gossip') throw new Error('no gossip sent')
      expect(delivered(receiver.receive('x', send.message))).toHaveLength(1)
    }
  })

  it('refuses an oversized broadcast at the call site', () => {
    const node = new PaperHarness('me', { broadcast: { maxMessageBytes: 8 } }).withNeighbors('a')
    expect(() => node.command({ type: 'broadcast', content: new Uint8Array(9) })).toThrow(/exceeds maxMessageBytes \(8\)/)
    expect(() => node.command({ type: 'broadcast', content: new Uint8Array(8) })).not.toThrow()
  })

  it('a neighbors-scoped broadcast reaches every neighbor once and is not forwarded', () => {
    const node = nodeWithLazyC()
    const lines = describe(node.command({ type: 'broadcast', content, scope: 'neighbors', id: messageId(1) }))
    expect(lines).toEqual(['send a gossip round 0', 'send b gossip round 0', 'send c gossip round 0'])
    const receiver = new PaperHarness('r').withNeighbors('x', 'y')
    const got = describe(receiver.receive('x', { ...gossip(2, 0), scope: 'neighbors' }))
    expect(got).toEqual(['emit received from x hops 1'])
  })
})

suite('Plumtree: GOSSIP', () => {
  it('delivers a new message and forwards it eagerly (round + 1) and lazily, never back', () => {
    const node = nodeWithLazyC()
    const lines = describe(node.receive('a', gossip(1, 2)))
    expect(lines).toEqual(['emit received from a hops 3', 'send b gossip round 3', 'schedule ihaveDispatch 5'])
    expect(describe(node.fire({ kind: 'ihaveDispatch' }))).toEqual(['send c ihave 3'])
  })

  it('answers a duplicate with PRUNE and moves the sender to lazy', () => {
    const node = nodeWithLazyC()
    node.receive('a', gossip(1, 0))
    expect(describe(node.receive('b', gossip(1, 0)))).toEqual(['send b prune'])
    expect(node.broadcast.lazy.has('b')).toBe(true)
    expect(node.broadcast.eager.has('b')).toBe(false)
  })

  it('also prunes a duplicate from a peer it already holds lazy (the peer still pushes eagerly)', () => {
    const node = nodeWithLazyC()
    node.receive('a', gossip(1, 0))
    expect(describe(node.receive('c', gossip(1, 0)))).toEqual(['send c prune'])
  })

  it('a PRUNE moves the sender to lazy', () => {
    const node = new PaperHarness().withNeighbors('a')
    node.receive('a', { type: 'prune', origin: 'o' })
    expect(node.broadcast.lazy.has('a')).toBe(true)
    expect(node.broadcast.eager.size).toBe(0)
  })
})

suite('Plumtree: IHAVE and GRAFT', () => {
  it('grafts the first announcer after timer1, then the next one after timer2', () => {
    const node = new PaperHarness('me', { broadcast: { adaptiveGraftTimeout: false } }).withNeighbors('a', 'b')
    node.receive('a', { type: 'prune', origin: 'o' })
    node.receive('b', { type: 'prune', origin: 'o' })
    expect(describe(node.receive('a', { type: 'ihave', entries: [{ id: messageId(1), round: 4 }] }))).toEqual([
      'schedule graft 80',
    ])
    expect(describe(node.receive('b', { type: 'ihave', entries: [{ id: messageId(1), round: 2 }] }))).toEqual([])
    expect(describe(node.fire({ kind: 'graft', id: messageId(1) }))).toEqual(['send a graft id round 4', 'schedule graft 40'])
    // The origin (which tree the link joins) is known only once the message arrives.
    expect(node.broadcast.eager.has('a')).toBe(false)
    expect(describe(node.fire({ kind: 'graft', id: messageId(1) }))).toEqual(['send b graft id round 2', 'schedule graft 40'])
    expect(describe(node.fire({ kind: 'graft', id: messageId(1) }))).toEqual([])
  })

  it('counts a delivery whose first copy answered our GRAFT, and not one pushed by the tree', () => {
    const node = new Harness('me', { broadcast: { adaptiveGraftTimeout: false } }).withNeighbors('a', 'b')
    node.receive('a', { type: 'prune', origin: 'o' })
    node.receive('a', { type: 'ihave', entries: [{ id: messageId(1), round: 0 }] })
    node.fire({ kind: 'graft', id: messageId(1) })
    node.receive('a', gossip(1, 0))
    node.receive('b', gossip(2, 0))
    expect(node.broadcast.sizes()).toMatchObject({ delivered: 2, graftDeliveries: 1, graftsSent: 1 })
  })

  it('does not graft once the message arrived', () => {
    const node = new PaperHarness().withNeighbors('a', 'b')
    node.receive('a', { type: 'prune', origin: 'o' })
    node.receive('a', { type: 'ihave', entries: [{ id: messageId(1), round: 0 }] })
    node.receive('b', gossip(1, 0))
    expect(node.fire({ kind: 'graft', id: messageId(1) })).toEqual([])
  })

  it('ignores announcements of ids it already has', () => {
    const node = new PaperHarness().withNeighbors('a', 'b')
    node.receive('b', gossip(1, 0))
    node.receive('a', { type: 'prune', origin: 'o' })
    expect(node.receive('a', { type: 'ihave', entries: [{ id: messageId(1), round: 0 }] })).toEqual([])
  })

  it('a GRAFT makes the link eager and is answered with the cached message', () => {
    const node = nodeWithLazyC()
    node.receive('a', gossip(1, 1))
    const lines = describe(node.receive('c', { type: 'graft', id: messageId(1), round: 1 }))
    expect(lines).toEqual(['send c gossip round 2'])
    expect(node.broadcast.eager.has('c')).toBe(true)
  })

  it('a GRAFT for an unknown id only makes the link eager', () => {
    const node = nodeWithLazyC()
    expect(node.receive('c', { type: 'graft', id: messageId(9), round: 1 })).toEqual([])
    expect(node.broadcast.eager.has('c')).toBe(true)
  })

  it('optimises the tree: a GOSSIP that took >= threshold more hops than an IHAVE swaps parents', () => {
    const node = new PaperHarness().withNeighbors('a', 'b')
    node.receive('b', { type: 'prune', origin: 'o' })
    node.receive('b', { type: 'ihave', entries: [{ id: messageId(1), round: 1 }] })
    const lines = describe(node.receive('a', gossip(1, 3)))
    // No IHAVE back to b: it announced the id, so it has the message.
    expect(lines).toEqual(['emit received from a hops 4', 'send b graft round 1', 'send a prune'])
    expect(node.broadcast.eager.has('b')).toBe(true)
    expect(node.broadcast.lazy.has('a')).toBe(true)
  })

  it('announces an id to a lazy peer only while that peer has not shown it has the message', () => {
    const node = new PaperHarness().withNeighbors('a', 'b', 'c')
    node.receive('b', { type: 'prune', origin: 'o' })
    node.receive('c', { type: 'prune', origin: 'o' })
    // Both b and c are lazy: the GOSSIP from a queues an IHAVE for each.
    expect(describe(node.receive('a', gossip(1, 0)))).toEqual(['emit received from a hops 1', 'schedule ihaveDispatch 5'])
    // b announces the id itself, c pushes a copy: neither needs our IHAVE any more.
    node.receive('b', { type: 'ihave', entries: [{ id: messageId(1), round: 1 }] })
    expect(describe(node.receive('c', gossip(1, 1)))).toEqual(['send c prune'])
    expect(describe(node.fire({ kind: 'ihaveDispatch' }))).toEqual([])
  })

  it('the first graft wait follows the observed lag, within its bounds', () => {
    const node = new PaperHarness('me', { broadcast: { maxGraftTimeoutMs: 300 } }).withNeighbors('a', 'b')
    node.receive('b', { type: 'prune', origin: 'o' })
    expect(node.broadcast.graftTimeoutMs()).toBe(80)
    for (let i = 1; i <= 20; i++) {
      node.nowMs += 1000
      node.receive('b', { type: 'ihave', entries: [{ id: messageId(i), round: 0 }] })
      node.nowMs += 150
      node.receive('a', gossip(i, 0))
    }
    expect(node.broadcast.graftTimeoutMs()).toBeGreaterThan(150)
    expect(node.broadcast.graftTimeoutMs()).toBeLessThanOrEqual(300)
  })
})

suite('Plumtree: caps on network-fed state', () => {
  it('an IHAVE flood with random ids stays within the missing-announcement caps', () => {
    const node = new PaperHarness('me', { broadcast: { maxMissingTotal: 50, maxAnnouncersPerId: 2 } }).withNeighbors('a', 'b', 'c')
    for (const peer of ['a', 'b', 'c']) node.receive(peer, { type: 'prune', origin: 'o' })
    for (let batch = 0; batch < 10; batch++) {
      const entries = Array.from({ length: 20 }, (_, i) => ({ id: messageId(batch * 20 + i), round: 0 }))
      node.receive('a', { type: 'ihave', entries })
    }
    for (const peer of ['a', 'b', 'c']) node.receive(peer, { type: 'ihave', entries: [{ id: messageId(0), round: 0 }] })
    const sizes = node.broadcast.sizes()
    expect(sizes.missingTotal).toBeLessThanOrEqual(50)
    expect(sizes.missingIds).toBeLessThanOrEqual(50)
    expect(node.broadcast.stats.droppedAnnouncements).toBeGreaterThan(0)
  })

  it('per-peer lazy queues are capped', () => {
    const node = new PaperHarness('me', { broadcast: { maxLazyQueuePerPeer: 3 } }).withNeighbors('a', 'b')
    node.receive('b', { type: 'prune', origin: 'o' })
    for (let i = 0; i < 10; i++) node.receive('a', gossip(i, 0))
    expect(node.broadcast.sizes().lazyQueued).toBe(3)
    expect(node.broadcast.stats.droppedLazyEntries).toBe(7)
  })

  it('seen ids and cached messages are capped and expire', () => {
    const node = new PaperHarness('me', { broadcast: { maxSeenIds: 5, maxCachedMessages: 3, messageCacheMs: 1000, seenIdRetentionMs: 2000 } }).withNeighbors('a')
    for (let i = 0; i < 10; i++) node.receive('a', gossip(i, 0))
    expect(node.broadcast.sizes().seen).toBe(5)
    expect(node.broadcast.sizes().cache).toBe(3)
    node.nowMs = 1500
    node.receive('a', { type: 'prune', origin: 'o' })
    expect(node.broadcast.sizes().cache).toBe(0)
    node.nowMs = 2500
    node.receive('a', { type: 'prune', origin: 'o' })
    expect(node.broadcast.sizes().seen).toBe(0)
  })
})
