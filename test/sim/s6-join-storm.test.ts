import { describe, expect, it } from 'vitest'
import { runJoinStorm } from '../../bench/sim/join-storm.js'
import { expectChecksPass, NODES, SEEDS } from './scenarios-helpers.js'

describe('S6 join storm: 1,000 nodes join through one contact within one round', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: no island of 3 or more, isolated nodes re-join by themselves`, () => {
      const result = runJoinStorm({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.overlay.liveNodes).toBe(NODES + 1)
      expect(result.overlay.fullActiveViewShare).toBeGreaterThanOrEqual(0.98)
    })
  }
})
