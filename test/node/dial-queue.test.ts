import { describe, expect, it } from 'vitest'
import { DialQueue } from '../../src/gossip/node/dial-queue.js'

/** A dial that ends when the test says so. */
function controlledDials() {
  const pending = new Map<string, { resolve: () => void; reject: (err: Error) => void }>()
  const started: string[] = []
  const run = (peer: string) =>
    new Promise<void>((resolve, reject) => {
      started.push(peer)
      pending.set(peer, { resolve, reject })
    })
  return { pending, started, run }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('DialQueue', () => {
  it('runs at most maxConcurrent dials; the rest start in order as slots free up', async () => {
    const dials = controlledDials()
    const queue = new DialQueue(2)
    for (const peer of ['a', 'b', 'c', 'd', 'e']) queue.enqueue(peer, () => dials.run(peer))
    expect(dials.started).toEqual(['a', 'b'])
    expect(queue.active).toBe(2)
    expect(queue.queued).toBe(3)
    dials.pending.get('a')?.resolve()
    await settle()
    expect(dials.started).toEqual(['a', 'b', 'c'])
    // A failed dial frees its slot too.
    dials.pending.get('b')?.reject(new Error('refused'))
    await settle()
    expect(dials.started).toEqual(['a', 'b', 'c', 'd'])
    expect(queue.active).toBe(2)
  })

  it('a waiting peer is queued once, and a cancelled one never starts', async () => {
    const dials = controlledDials()
    const queue = new DialQueue(1)
    queue.enqueue('a', () => dials.run('a'))
    queue.enqueue('b', () => dials.run('b'))
    queue.enqueue('b', () => dials.run('b'))
    queue.enqueue('c', () => dials.run('c'))
    expect(queue.queued).toBe(2)
    queue.cancel('b')
    dials.pending.get('a')?.resolve()
    await settle()
    expect(dials.started).toEqual(['a', 'c'])
  })
})
