import { describe, expect, it } from 'vitest'
import { SeededRng, randomHex32, sample } from '../../src/gossip/proto/rng.js'

describe('SeededRng', () => {
  it('one seed gives one sequence; streams and seeds differ', () => {
    const draw = (rng: SeededRng) => Array.from({ length: 5 }, () => rng.nextU32())
    expect(draw(new SeededRng(1))).toEqual(draw(new SeededRng(1)))
    expect(draw(new SeededRng(1))).not.toEqual(draw(new SeededRng(2)))
    expect(draw(new SeededRng(1, 0))).not.toEqual(draw(new SeededRng(1, 1)))
  })

  it('int(n) is uniform enough over [0, n)', () => {
    const rng = new SeededRng(9)
    const counts = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) {
      const k = rng.int(10)
      counts[k] = (counts[k] ?? 0) + 1
    }
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(600)
  })

  it('sample picks distinct items without touching the input', () => {
    const items = [1, 2, 3, 4, 5, 6]
    const picked = sample(new SeededRng(3), items, 4)
    expect(new Set(picked).size).toBe(4)
    expect(items).toEqual([1, 2, 3, 4, 5, 6])
    expect(sample(new SeededRng(3), items, 10)).toHaveLength(6)
  })

  it('randomHex32 gives 64 hex chars', () => {
    expect(randomHex32(new SeededRng(4))).toMatch(/^[0-9a-f]{64}$/)
  })
})
