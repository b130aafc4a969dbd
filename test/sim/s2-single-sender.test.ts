import { describe, expect, it } from 'vitest'
import { runSingleSender } from '../../bench/sim/index.js'
import { expectChecksPass, NODES, SEEDS } from './scenarios-helpers.js'

describe('S2 steady state: one sender, after warm-up', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: reliability 100 %, RMR exactly 0, LDH <= flood LDH + 2`, () => {
      const result = runSingleSender({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.delivery?.broadcasts).toBe(50)
    })
  }
})
