import { describe as suite, expect, it } from 'vitest'
import { Harness, OTHER_TOPIC, TOPIC, describe } from '../helpers/core.js'
import { checkInvariants } from '../../src/gossip/proto/invariants.js'
import { InvariantError } from '../../src/errors.js'

suite('ProtocolState: many topics', () => {
  it('routes by topic: a broadcast on one topic never reaches the other', () => {
    const node = new Harness().withNeighbors('a')
    node.command({ type: 'join', peers: [] }, OTHER_TOPIC)
    node.receive('b', { type: 'join', seq: 1 }, OTHER_TOPIC)
    const actions = node.command({ type: 'broadcast', content: new Uint8Array([1]) }, OTHER_TOPIC)
    const sends = actions.filter((a) => a.type === 'send')
    expect(sends.map((a) => a.type === 'send' && [a.to, a.topic])).toEqual([['b', OTHER_TOPIC]])
  })

  it('keeps a connection while any topic needs the peer and releases it when none does', () => {
    const node = new Harness().withNeighbors('a')
    node.command({ type: 'join', peers: [] }, OTHER_TOPIC)
    node.receive('a', { type: 'join', seq: 1 }, OTHER_TOPIC)
    expect(describe(node.receive('a', { type: 'disconnect', seq: 5000, alive: false }, TOPIC))).not.toContain('disconnect a')
    expect(node.state.linkNeeded('a')).toBe(true)
    const lines = describe(node.receive('a', { type: 'disconnect', seq: 5001, alive: false }, OTHER_TOPIC))
    expect(lines).toContain('disconnect a')
  })

  it('a connection failure reaches every topic', () => {
    const node = new Harness().withNeighbors('a')
    node.command({ type: 'join', peers: [] }, OTHER_TOPIC)
    node.receive('a', { type: 'join', seq: 1 }, OTHER_TOPIC)
    const lines = describe(node.handle({ type: 'peerDisconnected', peer: 'a' }))
    expect(lines.filter((l) => l === 'emit neighborDown a connectionLost')).toHaveLength(2)
  })

  it('answers messages for topics it is not in with DISCONNECT (leaving), ignores their timers, closes the stranger', () => {
    const node = new Harness().withNeighbors('a')
    expect(describe(node.receive('x', { type: 'join', seq: 1 }, OTHER_TOPIC))).toEqual(['send x disconnect leaving', 'disconnect x'])
    expect(describe(node.receive('x', { type: 'disconnect', seq: 2, alive: false }, OTHER_TOPIC))).toEqual(['disconnect x'])
    expect(node.fire({ kind: 'shuffle' }, OTHER_TOPIC)).toEqual([])
  })

  it('broadcasting to a topic it has not joined is a caller error', () => {
    const node = new Harness()
    expect(() => node.command({ type: 'broadcast', content: new Uint8Array(1) })).toThrow(/not subscribed to topic/)
  })

  it('address data learned from peers is passed to the driver', () => {
    const node = new Harness().withNeighbors('a')
    const data = new Uint8Array([1, 2, 3])
    const lines = describe(node.receive('p', { type: 'neighbor', seq: 1, requestId: 1, priority: 'low', data }))
    expect(lines[0]).toBe('peerData p')
  })

  it('own address data travels in JOIN', () => {
    const node = new Harness()
    node.handle({ type: 'localData', data: new Uint8Array([9]) })
    const actions = node.command({ type: 'join', peers: [{ id: 'a' }] }, TOPIC)
    const join = actions.find((a) => a.type === 'send')
    expect(join?.type === 'send' && join.message.type === 'join' && [...(join.message.data ?? [])]).toEqual([9])
  })
})

suite('invariants', () => {
  it('accept a healthy state and reject a peer that is both eager and lazy', () => {
    const node = new Harness().withNeighbors('a', 'b')
    expect(() => checkInvariants(node.state)).not.toThrow()
    node.broadcast.trees.lazy.add('a')
    expect(() => checkInvariants(node.state)).toThrow(InvariantError)
    expect(() => checkInvariants(node.state)).toThrow(/a is both eager and lazy/)
  })
})
