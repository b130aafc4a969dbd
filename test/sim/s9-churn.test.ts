import { describe, expect, it } from 'vitest'
import { runChurn } from '../../bench/sim/churn.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

describe('S9 churn: 1 % leave and 1 % join per round for 200 rounds (1,000 nodes)', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: reliability >= 99.9 %, one component throughout`, () => {
      const result = runChurn({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.left).toBe(2_000)
      expect(result.joined).toBe(2_000)
      expect(result.broadcasts).toBe(200)
    })
  }
})
