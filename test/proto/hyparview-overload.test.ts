import { describe as suite, expect, it } from 'vitest'
import { Harness, describe } from '../helpers/core.js'

/** A node with neighbor a that lost b and asked it back (request #1), and the request timed out. */
function timedOutRequestToB(): Harness {
  const node = new Harness().withNeighbors('a', 'b')
  node.handle({ type: 'peerDisconnected', peer: 'b' })
  expect(describe(node.fire({ kind: 'repair' }))).toContain('send b neighbor high #1')
  node.fire({ kind: 'neighborTimeout', peer: 'b', requestId: 1 })
  expect(node.membership.pending.has('b')).toBe(false)
  return node
}

suite('HyParView under overload: slow is not dead', () => {
  it('a reply after the timeout is taken while there is room: the slow peer becomes a neighbor, no DISCONNECT', () => {
    const node = timedOutRequestToB()
    const lines = describe(node.receive('b', { type: 'neighborReply', seq: 9_000, requestId: 1, accepted: true }))
    expect(node.membership.active.has('b')).toBe(true)
    expect(lines.filter((l) => l.startsWith('send b disconnect'))).toEqual([])
    expect(node.membership.stats()).toMatchObject({ lost: 0, lateReplies: 1, requestTimeouts: 1, expired: 0 })
  })

  it('the next request waits twice as long, up to maxNeighborRequestTimeoutMs; a reply in time resets it', () => {
    const node = new Harness('me', { membership: { maxNeighborRequestTimeoutMs: 3_000 } }).withNeighbors('a', 'b')
    const lateRound = (peer: string, requestId: number): string[] => {
      node.handle({ type: 'peerDisconnected', peer })
      const lines = describe(node.fire({ kind: 'repair' }))
      node.fire({ kind: 'neighborTimeout', peer, requestId })
      node.receive(peer, { type: 'neighborReply', seq: 9_000 + requestId, requestId, accepted: true })
      return lines.filter((l) => l.startsWith('schedule neighborTimeout'))
    }
    expect(lateRound('b', 1)).toEqual(['schedule neighborTimeout 1000'])
    expect(lateRound('b', 2)).toEqual(['schedule neighborTimeout 2000'])
    expect(lateRound('b', 3)).toEqual(['schedule neighborTimeout 3000'])
    expect(lateRound('b', 4)).toEqual(['schedule neighborTimeout 3000'])
    // A reply in time brings the timeout back to the base.
    node.handle({ type: 'peerDisconnected', peer: 'b' })
    node.fire({ kind: 'repair' })
    node.receive('b', { type: 'neighborReply', seq: 9_100, requestId: 5, accepted: true })
    node.handle({ type: 'peerDisconnected', peer: 'b' })
    expect(describe(node.fire({ kind: 'repair' }))).toContain('schedule neighborTimeout 1000')
  })

  it('a late acceptance with no room left is answered with DISCONNECT and the peer kept as passive', () => {
    const node = timedOutRequestToB()
    for (const peer of ['c', 'd', 'e', 'f']) node.receive(peer, { type: 'join', seq: 5_000 })
    expect(node.membership.active.size).toBe(5)
    const lines = describe(node.receive('b', { type: 'neighborReply', seq: 9_000, requestId: 1, accepted: true }))
    expect(lines).toContain('send b disconnect alive')
    expect(node.membership.active.has('b')).toBe(false)
    expect(node.membership.passive.has('b')).toBe(true)
  })

  it('remembers timed-out requests up to passiveViewCapacity', () => {
    const node = new Harness('me', { membership: { passiveViewCapacity: 3 } }).withNeighbors('a')
    for (let i = 0; i < 10; i++) {
      const peer = `p${i}`
      node.receive('a', { type: 'forwardJoin', peer: { id: peer }, ttl: 0 })
      const request = [...node.membership.pending].find(([p]) => p === peer)
      if (request !== undefined) node.fire({ kind: 'neighborTimeout', peer, requestId: request[1].requestId })
    }
    expect(node.membership.stats().expired).toBeLessThanOrEqual(3)
    expect(node.membership.stats().requestTimeouts).toBeGreaterThan(3)
  })

  it('rejects maxNeighborRequestTimeoutMs below neighborRequestTimeoutMs', () => {
    expect(() => new Harness('me', { membership: { neighborRequestTimeoutMs: 2_000, maxNeighborRequestTimeoutMs: 1_000 } })).toThrow(
      /maxNeighborRequestTimeoutMs \(1000\) must not be below neighborRequestTimeoutMs \(2000\)/,
    )
  })
})
