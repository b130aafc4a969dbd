/** Deduplication of discovered peers: repeat window, changes, and the size cap. */
import { describe, expect, it } from 'vitest'
import type { Announcement } from '../../src/discovery/mdns-records.js'
import { PeerCache } from '../../src/discovery/peer-cache.js'

const ann = (id: string, addrs: string[] = ['10.0.0.1:1'], topics: string[] = []): Announcement => ({ peer: { id, addrs }, topics })

describe('PeerCache', () => {
  it('reports an unchanged announcement once per repeat window', () => {
    const cache = new PeerCache(10, 1_000)
    expect(cache.observe(ann('a'), 0)).toBe(true)
    expect(cache.observe(ann('a'), 1)).toBe(false)
    expect(cache.observe(ann('a'), 999)).toBe(false)
    expect(cache.observe(ann('a'), 1_000)).toBe(true)
    expect(cache.observe(ann('a'), 1_500)).toBe(false)
  })

  it('reports at once when addresses or topics change, not when topics are reordered', () => {
    const cache = new PeerCache(10, 60_000)
    expect(cache.observe(ann('a', ['10.0.0.1:1'], ['t1', 't2']), 0)).toBe(true)
    expect(cache.observe(ann('a', ['10.0.0.1:1'], ['t2', 't1']), 1)).toBe(false)
    expect(cache.observe(ann('a', ['10.0.0.1:1'], ['t1']), 2)).toBe(true)
    expect(cache.observe(ann('a', ['10.0.0.2:1'], ['t1']), 3)).toBe(true)
    expect(cache.observe(ann('a', ['10.0.0.1:1', '10.0.0.2:1'], ['t1']), 4)).toBe(true)
    expect(cache.observe(ann('a', ['10.0.0.2:1', '10.0.0.1:1'], ['t1']), 5)).toBe(true) // preference order changed
  })

  it('holds at most maxPeers, forgetting the least recently heard', () => {
    const cache = new PeerCache(3, 60_000)
    for (const id of ['a', 'b', 'c']) expect(cache.observe(ann(id), 0)).toBe(true)
    expect(cache.observe(ann('a'), 1)).toBe(false) // 'a' is now the most recent; 'b' the least
    expect(cache.observe(ann('d'), 2)).toBe(true)
    expect(cache.size).toBe(3)
    expect(cache.observe(ann('a'), 3)).toBe(false)
    expect(cache.observe(ann('c'), 3)).toBe(false)
    expect(cache.observe(ann('b'), 3)).toBe(true) // was evicted, so it is new again
    expect(cache.size).toBe(3)
  })
})
