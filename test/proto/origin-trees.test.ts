import { describe as suite, expect, it } from 'vitest'
import { OriginTrees } from '../../src/gossip/proto/origin-trees.js'
import { Harness, describe, messageId } from '../helpers/core.js'
import type { GossipMessage } from '../../src/gossip/proto/messages.js'

const content = new Uint8Array([1])
function gossip(id: number, origin: string, round = 1): GossipMessage {
  return { type: 'gossip', id: messageId(id), origin, content, round, scope: 'swarm' }
}

function treesWith(...peers: string[]): OriginTrees {
  const trees = new OriginTrees(2, 1_000)
  for (const peer of peers) trees.neighborUp(peer, true)
  return trees
}

suite('OriginTrees', () => {
  it('starts a new origin from the shared tree; a young tree shapes the shared tree, an older one only itself', () => {
    const trees = treesWith('a', 'b', 'c')
    const x = trees.use('x', 0)
    trees.counted(x, messageId(0), 0)
    trees.setLazy(x, 'c', 0) // first message of x: the shared tree learns it
    expect([...trees.eager].sort()).toEqual(['a', 'b'])
    trees.counted(x, messageId(1), 0)
    trees.setLazy(x, 'b', 0) // x's second message: its own tree only
    expect(trees.eagerFor('x')).toEqual(['a'])
    expect([...trees.eager].sort()).toEqual(['a', 'b'])
    expect(trees.eagerFor('y')).toEqual(['a', 'b']) // an untracked origin would start from the shared tree
  })

  it('tracks at most maxTrees origins, least recently used forgotten first', () => {
    const trees = treesWith('a')
    trees.use('x', 0)
    trees.use('y', 1)
    trees.use('x', 2) // x is now the most recently used
    trees.use('z', 3)
    expect(trees.size).toBe(2)
    expect(trees.origins()).toEqual(['x', 'z'])
  })

  it('forgets origins silent for idleMs', () => {
    const trees = treesWith('a')
    trees.use('x', 0)
    trees.use('y', 600)
    trees.expire(1_000)
    expect(trees.origins()).toEqual(['y'])
    trees.expire(1_600)
    expect(trees.size).toBe(0)
  })

  it('catches up on neighbor changes when next used: gone peers leave, new ones take the shared state', () => {
    const trees = treesWith('a', 'b')
    const x = trees.use('x', 0)
    trees.counted(x, messageId(0), 0)
    trees.counted(x, messageId(1), 0)
    trees.setLazy(x, 'b', 0)
    trees.neighborDown('a')
    trees.neighborUp('d', true)
    trees.neighborUp('e', false)
    expect(trees.eagerFor('x')).toEqual(['d'])
    expect(trees.isLazy(trees.use('x', 1), 'e')).toBe(true)
    // A peer that left and came back is judged afresh (the shared tree's state), not by its old entry.
    trees.neighborDown('b')
    trees.neighborUp('b', true)
    expect(trees.eagerFor('x').sort()).toEqual(['b', 'd'])
  })

  /** Shared tree a, b, c (quietMs 500); x's first message at 0 pruned c at 10. */
  function xPrunedC(): OriginTrees {
    const trees = new OriginTrees(8, 60_000, 500)
    for (const peer of ['a', 'b', 'c']) trees.neighborUp(peer, true)
    const x = trees.use('x', 0)
    trees.counted(x, messageId(0), 0)
    trees.setLazy(x, 'c', 10)
    return trees
  }

  it("holds a first message's PRUNE back from the shared tree until quietMs pass without another origin's first message", () => {
    const trees = xPrunedC()
    expect(trees.eagerFor('x').sort()).toEqual(['a', 'b']) // x's own tree at once
    expect([...trees.eager].sort()).toEqual(['a', 'b', 'c']) // the shared tree later
    expect(trees.pendingSharedChanges).toBe(1)
    trees.settle(509)
    expect(trees.eager.has('c')).toBe(true)
    trees.settle(510)
    expect([...trees.eager].sort()).toEqual(['a', 'b'])
    expect(trees.pendingSharedChanges).toBe(0)
  })

  it("drops a first message's shared-tree PRUNE when another origin's first message comes within quietMs", () => {
    const trees = xPrunedC()
    const y = trees.use('y', 300) // y's first message crosses x's: x's PRUNE could cut the cycle twice
    trees.counted(y, messageId(2), 300)
    trees.setLazy(y, 'a', 310) // and y's own, seen right after x's, is dropped as well
    trees.settle(2_000)
    expect([...trees.eager].sort()).toEqual(['a', 'b', 'c'])
    expect(trees.eagerFor('x').sort()).toEqual(['a', 'b'])
    expect(trees.eagerFor('y').sort()).toEqual(['b', 'c'])
  })

  it('never puts a peer outside the active view into a tree', () => {
    const trees = treesWith('a')
    const x = trees.use('x', 0)
    trees.setEager(x, 'stranger', 0)
    expect(trees.eagerFor('x')).toEqual(['a'])
    expect(trees.eager.has('stranger')).toBe(false)
  })
})

suite('Plumtree with a tree per origin', () => {
  it("a PRUNE for one origin leaves another origin's tree eager on that link", () => {
    const node = new Harness('me').withNeighbors('a', 'b')
    // Two messages from each origin settle their own trees (the first one also shapes the shared tree).
    node.receive('a', gossip(1, 'x'))
    node.receive('a', gossip(2, 'y'))
    node.receive('a', gossip(3, 'x'))
    node.receive('a', gossip(4, 'y'))
    node.receive('b', { type: 'prune', origin: 'x' })
    // Directed trees: a is the parent of both, so only b is pushed to, and only for y now.
    expect(node.broadcast.trees.eagerFor('x')).toEqual([])
    expect(node.broadcast.trees.eagerFor('y')).toEqual(['b'])
    // The next message of y still goes to b eagerly; x's announces to b.
    expect(describe(node.receive('a', gossip(5, 'y')))).toContain('send b gossip round 2')
    const x = describe(node.receive('a', gossip(6, 'x')))
    expect(x).not.toContain('send b gossip round 2')
    expect(x).toContain('schedule ihaveDispatch 5')
  })

  it("an origin's own tree is directed: a duplicate tells its sender to stop, without cutting our push to it", () => {
    const node = new Harness('me').withNeighbors('a', 'b', 'c')
    node.receive('a', gossip(1, 'x')) // young tree: the paper's symmetric rules
    // From the second message on, the parent (a) is upstream: no push back to it.
    node.receive('a', gossip(2, 'x'))
    expect(node.broadcast.trees.eagerFor('x').sort()).toEqual(['b', 'c'])
    const dup = describe(node.receive('b', gossip(2, 'x')))
    expect(dup).toContain('send b prune')
    expect(node.broadcast.trees.eagerFor('x').sort()).toEqual(['b', 'c'])
    // b's PRUNE, not our duplicate, takes b out of our pushes for x.
    node.receive('b', { type: 'prune', origin: 'x' })
    expect(node.broadcast.trees.eagerFor('x')).toEqual(['c'])
  })

  it('a copy from a neighbor we already pruned does not make it our parent, nor does it cut the parent', () => {
    const node = new Harness('me').withNeighbors('a', 'b', 'c')
    node.receive('a', gossip(1, 'x'))
    node.receive('a', gossip(2, 'x'))
    expect(describe(node.receive('b', gossip(2, 'x')))).toContain('send b prune')
    // b's push of message 3 was on its way before our PRUNE arrived, and comes first.
    node.receive('b', gossip(3, 'x'))
    const parentCopy = describe(node.receive('a', gossip(3, 'x')))
    expect(parentCopy).not.toContain('prune') // a stays our parent
    expect(describe(node.receive('b', gossip(4, 'x', 1)))).not.toContain('send a prune')
  })

  it('a tree GRAFT lists what we have; the grafted neighbor pushes its latest messages we lack', () => {
    const node = new Harness('me').withNeighbors('a', 'b')
    for (let i = 1; i <= 3; i++) node.receive('a', gossip(i, 'x'))
    const out = describe(node.receive('b', { type: 'graft', origin: 'x', round: 1, have: [messageId(1), messageId(2)] }))
    expect(out.filter((line) => line.startsWith('send b gossip'))).toHaveLength(1) // message 3 only
    expect(node.broadcast.trees.eagerFor('x')).toContain('b')
  })

  it('keeps pushing to a neighbor that grafted us when a tree optimisation prunes it', () => {
    const node = new Harness('me').withNeighbors('a', 'b', 'c')
    node.receive('a', gossip(1, 'x'))
    node.receive('a', gossip(2, 'x'))
    node.receive('b', { type: 'graft', origin: 'x', round: 1 }) // b takes our pushes for x
    // c announces message 3 well before b's copy of it arrives: graft c, prune b.
    node.receive('c', { type: 'ihave', entries: [{ id: messageId(3), round: 0 }] })
    node.nowMs += 100
    const out = describe(node.receive('b', gossip(3, 'x', 2)))
    expect(out.some((line) => line.startsWith('send c graft'))).toBe(true)
    expect(out).toContain('send b prune')
    expect(node.broadcast.trees.eagerFor('x')).toContain('b')
  })

  it('caps tracked origins at maxOriginTrees (asserted through sizes())', () => {
    const node = new Harness('me', { broadcast: { maxOriginTrees: 3 } }).withNeighbors('a', 'b')
    for (let i = 0; i < 20; i++) node.receive('a', gossip(i, `origin-${i}`))
    expect(node.broadcast.sizes().originTrees).toBe(3)
  })

  it('with maxOriginTrees 0 every origin shares one tree (the paper)', () => {
    const node = new Harness('me', { broadcast: { maxOriginTrees: 0 } }).withNeighbors('a', 'b')
    node.receive('a', gossip(1, 'x'))
    node.receive('b', { type: 'prune', origin: 'x' })
    expect(node.broadcast.sizes().originTrees).toBe(0)
    expect(describe(node.receive('a', gossip(2, 'y')))).not.toContain('send b gossip round 2')
  })
})
