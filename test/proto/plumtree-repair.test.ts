import { describe as suite, expect, it } from 'vitest'
import { Harness, describe, messageId } from '../helpers/core.js'
import type { GossipMessage } from '../../src/gossip/proto/messages.js'

const content = new Uint8Array([1, 2, 3])
function gossip(id: number, round: number): GossipMessage {
  return { type: 'gossip', id: messageId(id), origin: 'o', content, round, scope: 'swarm' }
}

suite('Plumtree: announcing recent messages to a new neighbor', () => {
  it('a neighbor that comes up is told (IHAVE) of the messages of the last neighborUpAnnounceMs, oldest first', () => {
    const node = new Harness('me', { broadcast: { neighborUpAnnounceMs: 10_000 } }).withNeighbors('a')
    node.receive('a', gossip(1, 0))
    node.nowMs = 4_000
    node.receive('a', gossip(2, 3))
    node.nowMs = 12_000
    node.receive('a', gossip(3, 1))
    node.fire({ kind: 'ihaveDispatch' })
    node.receive('n', { type: 'join', seq: 1 })
    const ihave = node.fire({ kind: 'ihaveDispatch' }).find((a) => a.type === 'send' && a.to === 'n')
    // Message 1 is 12 s old (window 10 s); 2 then 3, in the order received, with their rounds.
    expect(ihave?.type === 'send' && ihave.message).toEqual({
      type: 'ihave',
      entries: [
        { id: messageId(2), round: 4 },
        { id: messageId(3), round: 2 },
      ],
    })
  })

  it('a neighbor lost to a failure that comes back is told of the last 75 s (a partition of a minute is caught up); a new one of the last 10 s', () => {
    const node = new Harness().withNeighbors('a', 'b')
    for (let i = 0; i < 60; i++) {
      node.nowMs = i * 1_000
      node.receive('a', gossip(i, 0))
    }
    node.fire({ kind: 'ihaveDispatch' })
    node.nowMs = 65_000
    node.handle({ type: 'peerDisconnected', peer: 'b' })
    node.fire({ kind: 'repair' }) // asks b back
    node.receive('b', { type: 'neighborReply', seq: 9_000, requestId: 1, accepted: true })
    node.receive('n', { type: 'join', seq: 1 })
    const dispatch = node.fire({ kind: 'ihaveDispatch' })
    const count = (peer: string) =>
      dispatch.flatMap((a) => (a.type === 'send' && a.to === peer && a.message.type === 'ihave' ? a.message.entries : [])).length
    expect(count('b')).toBe(60)
    expect(count('n')).toBe(5) // messages 55–59: the last 10 s
  })

  it('a neighbor that has them ignores the announcement', () => {
    const node = new Harness().withNeighbors('a', 'b')
    node.receive('a', gossip(1, 0))
    node.receive('b', gossip(1, 0))
    expect(describe(node.receive('b', { type: 'ihave', entries: [{ id: messageId(1), round: 1 }] }))).toEqual([])
  })

  it('neighborUpAnnounceMs = 0 turns it off', () => {
    const node = new Harness('me', { broadcast: { neighborUpAnnounceMs: 0 } }).withNeighbors('a')
    node.receive('a', gossip(1, 0))
    node.fire({ kind: 'ihaveDispatch' })
    node.receive('n', { type: 'join', seq: 1 })
    expect(describe(node.fire({ kind: 'ihaveDispatch' }))).toEqual([])
  })

  it('announces at most maxLazyQueuePerPeer ids (the newest), in IHAVEs of at most maxIHaveEntriesPerMessage', () => {
    const node = new Harness('me', { broadcast: { maxIHaveEntriesPerMessage: 4, maxLazyQueuePerPeer: 6 } }).withNeighbors('a')
    for (let i = 0; i < 10; i++) node.receive('a', gossip(i, 0))
    node.fire({ kind: 'ihaveDispatch' })
    node.receive('n', { type: 'join', seq: 1 })
    const sent = node.fire({ kind: 'ihaveDispatch' }).flatMap((a) =>
      a.type === 'send' && a.to === 'n' && a.message.type === 'ihave' ? [a.message.entries.map((e) => e.id)] : [],
    )
    expect(sent).toEqual([[4, 5, 6, 7].map(messageId), [8, 9].map(messageId)])
  })
})

suite('Plumtree: announcers', () => {
  it('a peer repeating an id holds one announcer slot, so the other announcers are still tried', () => {
    const node = new Harness('me', { broadcast: { maxAnnouncersPerId: 2, adaptiveGraftTimeout: false } }).withNeighbors('a', 'b')
    node.receive('a', { type: 'prune', origin: 'o' })
    node.receive('b', { type: 'prune', origin: 'o' })
    for (let i = 0; i < 5; i++) node.receive('a', { type: 'ihave', entries: [{ id: messageId(1), round: 0 }] })
    node.receive('b', { type: 'ihave', entries: [{ id: messageId(1), round: 0 }] })
    expect(node.broadcast.sizes().maxAnnouncers).toBe(2)
    expect(describe(node.fire({ kind: 'graft', id: messageId(1) }))).toEqual(['send a graft id round 0', 'schedule graft 40'])
    expect(describe(node.fire({ kind: 'graft', id: messageId(1) }))).toEqual(['send b graft id round 0', 'schedule graft 40'])
  })
})
