import { describe, expect, it } from 'vitest'
import { runTreeRepair } from '../../bench/sim/tree-repair.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

describe('S5 Plumtree after a mass crash (1,000 nodes, one sender)', () => {
  for (const failPercent of [50, 80]) {
    for (const seed of [1, 2, 3]) {
      it(`${failPercent} % crash, seed ${seed}: no double delivery, bounded GRAFTs, RMR <= 0.05 within 5 broadcasts`, () => {
        const result = runTreeRepair({ nodes: NODES, seed, failPercent })
        expectChecksPass(result)
        expect(result.rmrBefore).toBe(0)
        expect(result.perBroadcast).toHaveLength(10)
      })
    }
  }
})
