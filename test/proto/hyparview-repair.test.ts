import { describe as suite, expect, it } from 'vitest'
import { Harness, describe } from '../helpers/core.js'

/** Lines for membership sends only (drops timers, emits and disconnect actions). */
function sends(lines: readonly string[]): string[] {
  return lines.filter((l) => l.startsWith('send '))
}

suite('HyParView repair: lost neighbors are asked back', () => {
  it('a neighbor lost to a connection failure is asked back with HIGH at the next repair tick', () => {
    const node = new Harness().withNeighbors('a', 'b')
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    const lines = describe(node.fire({ kind: 'repair' }))
    expect(lines).toContain('send a neighbor high #1')
  })

  it('an accepted request ends the retries; the neighbor is back', () => {
    const node = new Harness().withNeighbors('a', 'b')
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    node.fire({ kind: 'repair' })
    node.receive('a', { type: 'neighborReply', seq: 9_000, requestId: 1, accepted: true })
    expect(node.membership.active.has('a')).toBe(true)
    expect(node.membership.stats().lost).toBe(0)
  })

  it('a failed retry keeps the peer on the list until lostPeerRetentionMs has passed', () => {
    const node = new Harness('me', { membership: { lostPeerRetentionMs: 10_000 } }).withNeighbors('a', 'b')
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    const asked: number[] = []
    for (let tick = 1; tick <= 5; tick++) {
      const lines = describe(node.fire({ kind: 'repair' }))
      if (lines.some((l) => l.startsWith('send a neighbor high'))) asked.push(tick)
      node.handle({ type: 'peerDisconnected', peer: 'a' })
    }
    // Retention 10 s = 2 repair ticks after the loss.
    expect(asked).toEqual([1, 2])
    expect(node.membership.stats().lost).toBe(0)
  })

  it('a peer that left with DISCONNECT is not asked back with HIGH', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    node.receive('a', { type: 'disconnect', seq: 5_000, alive: false })
    expect(describe(node.fire({ kind: 'repair' })).filter((l) => l.includes(' high '))).toEqual([])
  })

  it('lostPeerRetentionMs = 0 turns the retries off', () => {
    const node = new Harness('me', { membership: { lostPeerRetentionMs: 0 } }).withNeighbors('a', 'b')
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    expect(describe(node.fire({ kind: 'repair' })).filter((l) => l.includes('send a neighbor'))).toEqual([])
  })

  it('the lost list is capped at maxLostPeers, oldest forgotten first', () => {
    const node = new Harness('me', { membership: { maxLostPeers: 2 } }).withNeighbors('a', 'b', 'c', 'd')
    for (const peer of ['a', 'b', 'c']) node.handle({ type: 'peerDisconnected', peer })
    expect(node.membership.stats().lost).toBe(2)
    const lines = describe(node.fire({ kind: 'repair' }))
    expect(lines).toContain('send b neighbor high #1')
  })

  it('a bootstrap peer that could not be reached is asked again, though the node has neighbors', () => {
    const node = new Harness()
    node.command({ type: 'join', peers: [{ id: 'a' }, { id: 'b' }] })
    node.receive('b', { type: 'neighborReply', seq: 1, requestId: 0, accepted: true })
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    expect(node.membership.active.has('b')).toBe(true)
    const lines = sends(describe(node.fire({ kind: 'repair' })))
    expect(lines.some((l) => l.startsWith('send a '))).toBe(true)
  })
})

suite('HyParView repair: drained views and islands', () => {
  it('with an empty passive view it re-joins through bootstrap peers that are not neighbors, even when full', () => {
    const node = new Harness()
    node.command({ type: 'join', peers: [{ id: 'k' }] })
    node.fire({ kind: 'neighborTimeout', peer: 'k', requestId: 1 })
    for (const [i, peer] of ['a', 'b', 'c', 'd', 'e'].entries()) node.receive(peer, { type: 'join', seq: 100 + i })
    expect(node.membership.active.size).toBe(5)
    expect(node.membership.passive.size).toBe(0)
    expect(sends(describe(node.fire({ kind: 'repair' })))).toContain('send k join')
  })

  it('when the passive view runs dry, the peers it pushed out earlier are tried again', () => {
    const node = new Harness('me', { membership: { passiveViewCapacity: 2 } }).withNeighbors('a')
    node.receive('a', { type: 'shuffle', origin: { id: 'o' }, nodes: [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }], ttl: 1 })
    const pushedOut = ['o', 'p1', 'p2', 'p3'].filter((p) => !node.membership.passive.has(p))
    expect(pushedOut).toHaveLength(2)
    // The passive peers fail one after another; the node is left with only `a`.
    for (let round = 0; round < 4 && node.membership.passive.size > 0; round++) {
      for (const peer of [...node.membership.pending.keys()]) node.handle({ type: 'peerDisconnected', peer })
    }
    expect(node.membership.passive.size).toBe(0)
    const lines = sends(describe(node.fire({ kind: 'repair' })))
    for (const peer of pushedOut) expect(lines.some((l) => l.startsWith(`send ${peer} neighbor`))).toBe(true)
  })

  it('second-hand news of a peer it just failed to reach is ignored for a shuffle period', () => {
    const node = new Harness().withNeighbors('a', 'b')
    node.receive('a', { type: 'disconnect', seq: 5_000, alive: true })
    const [tried] = [...node.membership.pending.keys()]
    node.handle({ type: 'peerDisconnected', peer: tried as string })
    node.receive('b', { type: 'shuffle', origin: { id: 'o' }, nodes: [{ id: tried as string }], ttl: 1 })
    expect(node.membership.passive.has(tried as string)).toBe(false)
    // A shuffle period later (12 repair ticks) the news is taken again.
    for (let i = 0; i < 13; i++) node.fire({ kind: 'repair' })
    node.receive('b', { type: 'shuffle', origin: { id: 'o2' }, nodes: [{ id: tried as string }], ttl: 1 })
    expect(node.membership.passive.has(tried as string) || node.membership.needs(tried as string)).toBe(true)
  })
})

suite('HyParView repair: link checks and stale replies', () => {
  it('probes one active peer per repair tick with an empty IHAVE, round robin', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    const probed = new Set<string>()
    for (let tick = 0; tick < 5; tick++) {
      const probes = describe(node.fire({ kind: 'repair' })).filter((l) => l.endsWith(' ihave '))
      expect(probes).toHaveLength(1)
      probed.add((probes[0] as string).split(' ')[1] as string)
    }
    expect([...probed].sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('the probe of a peer that does not hold us is answered with DISCONNECT', () => {
    const node = new Harness().withNeighbors('a')
    expect(describe(node.receive('z', { type: 'ihave', entries: [] }))).toEqual(['send z disconnect alive', 'disconnect z'])
  })

  it('broadcast traffic from a peer we asked and await is not answered with DISCONNECT', () => {
    const node = new Harness().withNeighbors('a')
    node.receive('a', { type: 'forwardJoin', peer: { id: 'n' }, ttl: 0 })
    expect(node.membership.pending.has('n')).toBe(true)
    expect(describe(node.receive('n', { type: 'ihave', entries: [] }))).toEqual([])
  })

  it('a stale accepted reply is ignored while a newer request to the same peer is pending', () => {
    const node = new Harness().withNeighbors('a')
    node.receive('a', { type: 'forwardJoin', peer: { id: 'n' }, ttl: 0 })
    node.fire({ kind: 'neighborTimeout', peer: 'n', requestId: 1 })
    node.receive('a', { type: 'forwardJoin', peer: { id: 'n' }, ttl: 0 })
    expect(node.membership.pending.get('n')?.requestId).toBe(2)
    expect(describe(node.receive('n', { type: 'neighborReply', seq: 1, requestId: 1, accepted: true }))).toEqual([])
    expect(describe(node.receive('n', { type: 'neighborReply', seq: 2, requestId: 2, accepted: true }))).toEqual(['emit neighborUp n'])
  })

  it('membership sequence numbers keep growing when a topic is left and joined again', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const seqOf = (lines: ReturnType<Harness['command']>): number[] =>
      lines.flatMap((action) => (action.type === 'send' && 'seq' in action.message ? [action.message.seq] : []))
    const leaving = seqOf(node.command({ type: 'quit' }))
    const joining = seqOf(node.command({ type: 'join', peers: [{ id: 'a' }] }))
    expect(Math.min(...joining)).toBeGreaterThan(Math.max(...leaving))
  })
})

suite('HyParView repair: a slot freed by a failure is refilled soon, not at the next repair tick', () => {
  /** A full node (a–e) that knows one passive peer p, then loses a to a connection failure. */
  function lostOneWithPassive(): Harness {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    node.receive('b', { type: 'shuffle', origin: { id: 'p' }, nodes: [], ttl: 1 })
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    return node
  }

  function rejectPending(node: Harness, peer: string): string[] {
    const request = node.membership.pending.get(peer)
    expect(request).toBeDefined()
    return describe(node.receive(peer, { type: 'neighborReply', seq: 10_000 + (request?.requestId ?? 0), requestId: request?.requestId ?? 0, accepted: false }))
  }

  it('every passive peer refused: asked again after 0.25, 0.5, 1, 2 and 4 s, then left to the repair tick', () => {
    const node = lostOneWithPassive()
    expect(node.membership.pending.has('p')).toBe(true)
    const delays: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) {
      const retry = rejectPending(node, 'p').find((l) => l.startsWith('schedule refillRetry'))
      if (retry === undefined) break
      delays.push(Number(retry.split(' ')[2]))
      const lines = describe(node.fire({ kind: 'refillRetry' }))
      expect(lines).toContain(`send p neighbor low #${node.membership.pending.get('p')?.requestId}`)
    }
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000])
  })

  it('a retry also sends a shuffle walk through every neighbor, and refills from a reply at once', () => {
    const node = lostOneWithPassive()
    rejectPending(node, 'p')
    const lines = describe(node.fire({ kind: 'refillRetry' }))
    expect(lines.filter((l) => / shuffle origin me /.test(l)).map((l) => l.split(' ')[1]).sort()).toEqual(['b', 'c', 'd', 'e'])
    rejectPending(node, 'p')
    const reply = describe(node.receive('c', { type: 'shuffleReply', nodes: [{ id: 'q' }] }))
    expect(reply.some((l) => l.startsWith('send q neighbor low'))).toBe(true)
  })

  it('the reply to a periodic shuffle does not send requests', () => {
    const node = lostOneWithPassive()
    rejectPending(node, 'p')
    node.fire({ kind: 'shuffle' })
    const reply = describe(node.receive('c', { type: 'shuffleReply', nodes: [{ id: 'q' }] }))
    expect(reply.filter((l) => l.includes(' neighbor '))).toEqual([])
  })

  it('a neighbor that left with DISCONNECT arms no retry', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    node.receive('b', { type: 'shuffle', origin: { id: 'p' }, nodes: [], ttl: 1 })
    node.receive('a', { type: 'disconnect', seq: 5_000, alive: false })
    expect(rejectPending(node, 'p').filter((l) => l.startsWith('schedule refillRetry'))).toEqual([])
  })

  it('asking a lost neighbor back (it may be dead) does not keep the free slot from a passive peer', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    node.receive('b', { type: 'shuffle', origin: { id: 'p' }, nodes: [{ id: 'q' }], ttl: 1 })
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    const first = [...node.membership.pending.keys()]
    expect(first).toHaveLength(1)
    // The repair tick asks a back (HIGH); the passive peer asked first refuses.
    expect(describe(node.fire({ kind: 'repair' }))).toContain('send a neighbor high #2')
    const next = rejectPending(node, first[0] as string)
    const other = first[0] === 'p' ? 'q' : 'p'
    expect(next.some((l) => l.startsWith(`send ${other} neighbor low`))).toBe(true)
  })

  it('refillRetryMs = 0 leaves the refill to the repair tick', () => {
    const node = new Harness('me', { membership: { refillRetryMs: 0 } }).withNeighbors('a', 'b', 'c', 'd', 'e')
    node.receive('b', { type: 'shuffle', origin: { id: 'p' }, nodes: [], ttl: 1 })
    node.handle({ type: 'peerDisconnected', peer: 'a' })
    expect(rejectPending(node, 'p').filter((l) => l.startsWith('schedule refillRetry'))).toEqual([])
  })
})
