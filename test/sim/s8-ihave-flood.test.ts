import { describe, expect, it } from 'vitest'
import { runIHaveFlood } from '../../bench/sim/ihave-flood.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

describe('S8 IHAVE flood with random ids from one peer (1,000 nodes)', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: every cache and queue stays at or below its cap; real broadcasts still reach everyone`, () => {
      const result = runIHaveFlood({ nodes: NODES, seed, floodMs: 5_000 })
      expectChecksPass(result)
      // The flood did fill the missing-announcement table to its cap, no further.
      expect(result.peaks.missingTotal).toBe(result.caps.missingTotal)
      expect(result.droppedAnnouncements).toBeGreaterThan(0)
    })
  }
})
