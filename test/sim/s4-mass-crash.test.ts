import { describe, expect, it } from 'vitest'
import { runMassCrash } from '../../bench/sim/crash.js'
import { expectChecksPass, NODES } from './scenarios-helpers.js'

const RATES = [30, 50, 70, 80, 95]
const SEEDS = [1, 2, 3]

describe('S4 mass crash with HyParView repair (1,000 nodes)', () => {
  for (const failPercent of RATES) {
    for (const seed of SEEDS) {
      const goal = failPercent <= 80 ? '100 % within 3 rounds' : '>= 90 % within 3 rounds'
      it(`${failPercent} % crash, seed ${seed}: first broadcast >= no-repair floor, ${goal}`, () => {
        const result = runMassCrash({ nodes: NODES, seed, failPercent })
        expectChecksPass(result)
        expect(result.survivors).toBe(NODES - (NODES * failPercent) / 100)
        if (failPercent <= 80) expect(result.overlay.components).toBe(1)
        expect(result.overlay.deadActiveLinks).toBe(0)
      })
    }
  }
})
