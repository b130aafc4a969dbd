/** Each author's chat lines in the order written: held across a gap at most REORDER_WAIT_MS. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthorOrder, MAX_HELD_PER_AUTHOR, REORDER_WAIT_MS } from '../../src/cli/order.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function make() {
  const out: string[] = []
  const order = new AuthorOrder<string>((item) => out.push(item))
  return { out, order }
}

describe('AuthorOrder', () => {
  it('in order: released at once; the first message sets the start', () => {
    const { out, order } = make()
    order.push('a', 5, 'a5')
    order.push('a', 6, 'a6')
    order.push('b', 1, 'b1')
    order.push('x', undefined, 'x')
    expect(out).toEqual(['a5', 'a6', 'b1', 'x'])
  })

  it('ahead of a missing one: held until it comes, then both in order; other authors are not held', () => {
    const { out, order } = make()
    order.push('a', 1, 'a1')
    order.push('a', 3, 'a3')
    order.push('b', 1, 'b1')
    expect(out).toEqual(['a1', 'b1'])
    order.push('a', 2, 'a2')
    expect(out).toEqual(['a1', 'b1', 'a2', 'a3'])
    vi.advanceTimersByTime(REORDER_WAIT_MS * 2)
    expect(out).toEqual(['a1', 'b1', 'a2', 'a3'])
  })

  it('a gap that is never filled is given up after the wait; a late one is released at once', () => {
    const { out, order } = make()
    order.push('a', 1, 'a1')
    order.push('a', 4, 'a4')
    order.push('a', 3, 'a3')
    vi.advanceTimersByTime(REORDER_WAIT_MS - 1)
    expect(out).toEqual(['a1'])
    vi.advanceTimersByTime(1)
    expect(out).toEqual(['a1', 'a3', 'a4'])
    order.push('a', 2, 'a2 (late)')
    order.push('a', 5, 'a5')
    expect(out).toEqual(['a1', 'a3', 'a4', 'a2 (late)', 'a5'])
  })

  it('bounded: too many held releases them all in order', () => {
    const { out, order } = make()
    order.push('a', 1, 'a1')
    for (let seq = 3; seq <= MAX_HELD_PER_AUTHOR + 3; seq++) order.push('a', seq, `a${seq}`)
    expect(out).toHaveLength(MAX_HELD_PER_AUTHOR + 2)
    expect(out.at(-1)).toBe(`a${MAX_HELD_PER_AUTHOR + 3}`)
  })

  it('seen (the history showed up to n) continues after n and releases what waited', () => {
    const { out, order } = make()
    order.seen('a', 3)
    order.push('a', 5, 'a5')
    expect(out).toEqual([])
    order.seen('a', 4)
    expect(out).toEqual(['a5'])
    order.push('a', 2, 'a2 (late)')
    expect(out).toEqual(['a5', 'a2 (late)'])
  })

  it('close releases what is held', () => {
    const { out, order } = make()
    order.push('a', 1, 'a1')
    order.push('a', 3, 'a3')
    order.close()
    expect(out).toEqual(['a1', 'a3'])
  })
})
