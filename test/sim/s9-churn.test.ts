import { describe, expect, it } from 'vitest'
import { runChurn } from '../../bench/sim/churn.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

// The longest scenario (1,000 s of virtual time, every node's invariants checked after
// every step): it is bounded by its rounds, so the wall-clock limit only has to allow for
// a busy machine, where it has taken over 60 s.
const CHURN_TIMEOUT_MS = 300_000

describe('S9 churn: 1 % leave and 1 % join per round for 200 rounds (1,000 nodes)', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: reliability >= 99.9 %, one component throughout`, { timeout: CHURN_TIMEOUT_MS }, () => {
      const result = runChurn({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.left).toBe(2_000)
      expect(result.joined).toBe(2_000)
      expect(result.broadcasts).toBe(200)
    })
  }
})
