/**
 * Which mDNS-discovered peers a topic joins through (src/gossip/node/discovery-joins.ts),
 * under a virtual clock: one JOIN at a time and only without neighbors, smaller ids
 * first, the next peer after a silent one, again once the last neighbor is gone.
 */
import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../src/gossip/node/virtual-clock.js'
import { DISCOVERY_JOIN_DEFAULTS, DiscoveryJoins } from '../../src/gossip/node/discovery-joins.js'
import { SeededRng } from '../../src/gossip/proto/rng.js'

const id = (n: number): string => n.toString(16).padStart(64, '0')
const peer = (n: number) => ({ id: id(n), addrs: [`10.0.0.${n}:7000`] })

function setup(self: number) {
  const clock = new VirtualClock()
  const joined: number[] = []
  let neighbors: string[] = []
  const joins = new DiscoveryJoins(
    { selfId: id(self), neighbors: () => neighbors, join: (p) => joined.push(parseInt(p.id, 16)) },
    clock,
    new SeededRng(1),
  )
  return { clock, joins, joined, setNeighbors: (...ns: number[]) => (neighbors = ns.map(id)) }
}

describe('discovery joins', () => {
  it('waits the collection window, then joins through ONE peer: the next smaller id', () => {
    const { clock, joins, joined } = setup(5)
    for (const n of [9, 2, 7, 3, 8]) joins.discovered(peer(n))
    expect(joined).toEqual([])
    clock.advance(DISCOVERY_JOIN_DEFAULTS.collectMs)
    expect(joined).toEqual([3])
  })

  it('joins through nobody while the topic has a neighbor with a smaller id', () => {
    const { clock, joins, joined, setNeighbors } = setup(5)
    setNeighbors(4, 8)
    for (const n of [1, 2, 3, 9]) joins.discovered(peer(n))
    clock.advance(60_000)
    expect(joined).toEqual([])
  })

  it('with only larger neighbors, joins ONE smaller discovered peer, once', () => {
    const { clock, joins, joined, setNeighbors } = setup(5)
    setNeighbors(8, 9) // joined by larger peers before it chose
    joins.discovered(peer(7))
    clock.advance(60_000)
    expect(joined).toEqual([]) // nothing smaller known
    joins.discovered(peer(2))
    clock.advance(DISCOVERY_JOIN_DEFAULTS.collectMs)
    expect(joined).toEqual([2])
    joins.discovered(peer(1))
    joins.neighborsChanged()
    clock.advance(60_000)
    expect(joined).toEqual([2])
  })

  it('tries the next peer when no neighbor came, then larger ids too; stops once a neighbor is up', () => {
    const { clock, joins, joined, setNeighbors } = setup(5)
    joins.discovered(peer(1))
    joins.discovered(peer(9))
    clock.advance(DISCOVERY_JOIN_DEFAULTS.collectMs)
    expect(joined).toEqual([1])
    clock.advance(DISCOVERY_JOIN_DEFAULTS.retryMs)
    expect(joined).toEqual([1, 9])
    setNeighbors(1)
    joins.neighborsChanged()
    clock.advance(10 * DISCOVERY_JOIN_DEFAULTS.retryMs)
    expect(joined).toEqual([1, 9])
  })

  it('the smallest id waits to be joined, and joins a larger one only if nobody came', () => {
    const { clock, joins, joined } = setup(1)
    for (const n of [4, 6]) joins.discovered(peer(n))
    clock.advance(DISCOVERY_JOIN_DEFAULTS.collectMs)
    expect(joined).toEqual([])
    clock.advance(DISCOVERY_JOIN_DEFAULTS.retryMs)
    expect(joined).toHaveLength(1)
  })

  it('joins again when the last neighbor is gone', () => {
    const { clock, joins, joined, setNeighbors } = setup(5)
    setNeighbors(1)
    joins.discovered(peer(2))
    clock.advance(5_000)
    setNeighbors()
    joins.neighborsChanged()
    clock.advance(DISCOVERY_JOIN_DEFAULTS.collectMs)
    expect(joined).toEqual([2])
  })

  it('remembers at most maxCandidates peers, and nothing after close', () => {
    const { clock, joins, joined } = setup(1_000)
    for (let n = 1; n <= 200; n++) joins.discovered(peer(n))
    joins.close()
    clock.advance(60_000)
    expect(joined).toEqual([])
    expect((joins as unknown as { candidates: Map<string, unknown> }).candidates.size).toBe(DISCOVERY_JOIN_DEFAULTS.maxCandidates)
  })
})
