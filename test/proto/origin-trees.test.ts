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
    trees.counted(x)
    trees.setLazy(x, 'c') // first message of x: the shared tree learns it
    expect([...trees.eager].sort()).toEqual(['a', 'b'])
    trees.counted(x)
    trees.setLazy(x, 'b') // x's second message: its own tree only
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
    trees.counted(x)
    trees.counted(x)
    trees.setLazy(x, 'b')
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

  it('never puts a peer outside the active view into a tree', () => {
    const trees = treesWith('a')
    const x = trees.use('x', 0)
    trees.setEager(x, 'stranger')
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
    expect(node.broadcast.trees.eagerFor('x')).toEqual(['a'])
    expect(node.broadcast.trees.eagerFor('y').sort()).toEqual(['a', 'b'])
    // The next message of y still goes to b eagerly; x's announces to b.
    expect(describe(node.receive('a', gossip(5, 'y')))).toContain('send b gossip round 2')
    const x = describe(node.receive('a', gossip(6, 'x')))
    expect(x).not.toContain('send b gossip round 2')
    expect(x).toContain('schedule ihaveDispatch 5')
  })

  it("an origin's own tree is directed: a duplicate tells its sender to stop, without cutting our push to it", () => {
    const node = new Harness('me').withNeighbors('a', 'b', 'c')
    node.receive('a', gossip(1, 'x')) // young tree: the paper's symmetric rules
    node.receive('a', gossip(2, 'x'))
    expect(node.broadcast.trees.eagerFor('x').sort()).toEqual(['a', 'b', 'c'])
    const dup = describe(node.receive('b', gossip(2, 'x')))
    expect(dup).toContain('send b prune')
    expect(node.broadcast.trees.eagerFor('x').sort()).toEqual(['a', 'b', 'c'])
    // b's PRUNE, not our duplicate, takes b out of our pushes for x.
    node.receive('b', { type: 'prune', origin: 'x' })
    expect(node.broadcast.trees.eagerFor('x').sort()).toEqual(['a', 'c'])
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
