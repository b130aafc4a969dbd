import { describe, expect, it } from 'vitest'
import { runOverload } from '../../bench/sim/index.js'
import { expectChecksPass } from './scenarios-helpers.js'

describe('S11 overload: nodes lagging past the NEIGHBOR timeout', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: one component, symmetric views, 100 % delivery, no neighbor flapping`, () => {
      const result = runOverload({ nodes: 200, seed })
      expectChecksPass(result)
      expect(result.maxLagMs).toBeGreaterThan(1_000)
    })
  }

  it('without the CPU model the same join storm never lags', () => {
    const result = runOverload({ nodes: 200, seed: 1, cpu: { receiveMs: 0, verifyMs: 0, sendMs: 0, connectMs: 0 } })
    expect(result.maxLagMs).toBe(0)
  })
})
