import { describe, expect, it } from 'vitest'
import { runPartitionHeal } from '../../bench/sim/partition.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

describe('S10 partition into two halves for 60 s, then heal (1,000 nodes)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: one component and 100 % reliability within 3 rounds of the heal, nobody calling join`, () => {
      const result = runPartitionHeal({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.componentsBeforeHeal).toBe(2)
    })
  }
})
