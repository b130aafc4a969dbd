import { describe, expect, it } from 'vitest'
import { runStaleRaces } from '../../bench/sim/races.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

describe('S7 stale DISCONNECT / NEIGHBOR-reply races under reordering (1,000 nodes, 300 ms jitter)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: views end symmetric, with no dead peers`, () => {
      const result = runStaleRaces({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.faults.restart + result.faults.rejoin + result.faults.crash).toBe(300)
    })
  }
})
