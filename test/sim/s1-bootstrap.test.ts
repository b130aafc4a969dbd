import { describe, expect, it } from 'vitest'
import { runBootstrap } from '../../bench/sim/index.js'
import { expectChecksPass, NODES, SEEDS } from './scenarios-helpers.js'

describe('S1 bootstrap: 1,000 nodes join through random earlier nodes', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: one component, >= 99 % full active views, all links symmetric`, () => {
      const result = runBootstrap({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.overlay.liveNodes).toBe(NODES)
      expect(result.overlay.deadActiveLinks).toBe(0)
    })
  }
})
