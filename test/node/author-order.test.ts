import { describe, expect, it } from 'vitest'
import { AuthorOrder, DEFAULT_AUTHOR_ORDER_OPTIONS, type Numbered, type Release } from '../../src/gossip/node/author-order.js'

interface Item extends Numbered {
  readonly label: string
}

const item = (author: string, seq: number, stream = 7, sentAtMs = 1_000 + seq): Item => ({ author, seq, stream, sentAtMs, label: `${author}${seq}` })

/** "a1", "gap a 2", … in release order. */
function lines(released: readonly Release<Item>[]): string[] {
  return released.map((r) => (r.kind === 'deliver' ? r.item.label : `gap ${r.author} ${r.missed}`))
}

describe('per-author order', () => {
  it('delivers messages that arrive in order at once', () => {
    const order = new AuthorOrder<Item>()
    expect([1, 2, 3].flatMap((seq) => lines(order.offer(item('a', seq), 0)))).toEqual(['a1', 'a2', 'a3'])
    expect(order.held).toBe(0)
    expect(order.nextDeadlineMs()).toBeUndefined()
  })

  it('holds a message that overtook an earlier one and releases both in order when it comes', () => {
    const order = new AuthorOrder<Item>()
    order.offer(item('a', 1), 0)
    expect(lines(order.offer(item('a', 3), 10))).toEqual([])
    expect(lines(order.offer(item('a', 4), 20))).toEqual([])
    expect(order.held).toBe(2)
    expect(order.nextDeadlineMs()).toBe(10 + DEFAULT_AUTHOR_ORDER_OPTIONS.holdMs)
    expect(lines(order.offer(item('a', 2), 30))).toEqual(['a2', 'a3', 'a4'])
    expect(order.held).toBe(0)
    expect(order.nextDeadlineMs()).toBeUndefined()
  })

  it('after holdMs reports the missing ones as a gap, then delivers what waited, in order', () => {
    const order = new AuthorOrder<Item>({ holdMs: 1_000 })
    order.offer(item('a', 1), 0)
    order.offer(item('a', 5), 100)
    order.offer(item('a', 4), 200)
    expect(lines(order.expire(1_099))).toEqual([])
    expect(lines(order.expire(1_100))).toEqual(['gap a 2', 'a4', 'a5'])
    // One that was reported missing and comes after all is still delivered.
    expect(lines(order.offer(item('a', 3), 1_200))).toEqual(['a3'])
    expect(lines(order.offer(item('a', 6), 1_300))).toEqual(['a6'])
  })

  it('a second run of missing messages waits its own hold time', () => {
    const order = new AuthorOrder<Item>({ holdMs: 1_000 })
    order.offer(item('a', 1), 0)
    order.offer(item('a', 3), 0)
    order.offer(item('a', 6), 500)
    expect(lines(order.expire(1_000))).toEqual(['gap a 1', 'a3'])
    expect(order.nextDeadlineMs()).toBe(2_000)
    expect(lines(order.offer(item('a', 5), 1_500))).toEqual([])
    expect(lines(order.expire(2_000))).toEqual(['gap a 1', 'a5', 'a6'])
  })

  it('authors are independent: one author waiting does not hold another', () => {
    const order = new AuthorOrder<Item>()
    order.offer(item('a', 1), 0)
    order.offer(item('b', 1), 0)
    expect(lines(order.offer(item('a', 3), 0))).toEqual([])
    expect(lines(order.offer(item('b', 2), 0))).toEqual(['b2'])
  })

  it('the first message of an author sets where its order starts; earlier ones are delivered at once', () => {
    const order = new AuthorOrder<Item>()
    expect(lines(order.offer(item('a', 40), 0))).toEqual(['a40'])
    expect(lines(order.offer(item('a', 39), 0))).toEqual(['a39'])
    expect(lines(order.offer(item('a', 41), 0))).toEqual(['a41'])
  })

  it('unnumbered messages (to neighbors only) are delivered at once', () => {
    const order = new AuthorOrder<Item>()
    order.offer(item('a', 1), 0)
    order.offer(item('a', 3), 0)
    expect(lines(order.offer(item('a', 0), 0))).toEqual(['a0'])
  })

  it('a new stream with a newer timestamp (the author restarted) starts anew after what was held', () => {
    const order = new AuthorOrder<Item>()
    order.offer(item('a', 10, 7, 5_000), 0)
    order.offer(item('a', 12, 7, 5_002), 0)
    expect(lines(order.offer(item('a', 1, 8, 9_000), 0))).toEqual(['a12', 'a1'])
    expect(lines(order.offer(item('a', 2, 8, 9_001), 0))).toEqual(['a2'])
    // A late message of the old stream is delivered at once and changes nothing.
    expect(lines(order.offer(item('a', 11, 7, 5_001), 0))).toEqual(['a11'])
    expect(lines(order.offer(item('a', 4, 8, 9_003), 0))).toEqual([])
  })

  it('a duplicate number is not held twice', () => {
    const order = new AuthorOrder<Item>()
    order.offer(item('a', 1), 0)
    order.offer(item('a', 3), 0)
    expect(lines(order.offer(item('a', 3), 0))).toEqual([])
    expect(order.held).toBe(1)
  })

  it('caps what one author holds at maxHeldPerAuthor: a full buffer is released with its gaps', () => {
    const order = new AuthorOrder<Item>({ maxHeldPerAuthor: 3 })
    order.offer(item('a', 1), 0)
    for (const seq of [3, 4, 6]) order.offer(item('a', seq), 0)
    expect(order.held).toBe(3)
    expect(lines(order.offer(item('a', 8), 0))).toEqual(['gap a 1', 'a3', 'a4', 'gap a 1', 'a6'])
    expect(order.held).toBe(1)
  })

  it('caps what a topic holds at maxHeld', () => {
    const order = new AuthorOrder<Item>({ maxHeld: 2 })
    for (const author of ['a', 'b', 'c']) order.offer(item(author, 1), 0)
    order.offer(item('a', 3), 0)
    order.offer(item('b', 3), 0)
    expect(order.held).toBe(2)
    expect(lines(order.offer(item('c', 3), 0))).toEqual(['gap c 1', 'c3'])
    expect(order.held).toBe(2)
  })

  it('remembers at most maxAuthors authors, forgetting the least recently heard that holds nothing', () => {
    const order = new AuthorOrder<Item>({ maxAuthors: 2 })
    order.offer(item('a', 1), 0)
    order.offer(item('a', 3), 0)
    order.offer(item('b', 1), 0)
    order.offer(item('c', 1), 0)
    expect(order.authorCount).toBe(2)
    // a (holding) was kept, b forgotten: b starts over where it is heard next.
    expect(lines(order.offer(item('b', 5), 0))).toEqual(['b5'])
    expect(lines(order.offer(item('a', 2), 0))).toEqual(['a2', 'a3'])
  })
})
