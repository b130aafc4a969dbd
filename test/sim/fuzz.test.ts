/**
 * Fault-mix fuzzing (VOPR style) on every run: a fixed set of seeds, plus random seeds
 * that differ from run to run. A failure names its seed and the command that replays it
 * (`npm run sim:fuzz -- --seed N`). HEARSAY_FUZZ_SEEDS=N sets how many random seeds run.
 */
import { randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { faultMixFor, runFaultMix } from '../../bench/sim/fuzz.js'
import { expectChecksPass } from './scenarios-helpers.js'

const FIXED = Array.from({ length: 16 }, (_, i) => i + 1)
const RANDOM_COUNT = Number(process.env.HEARSAY_FUZZ_SEEDS ?? 16)
const RANDOM = Array.from({ length: RANDOM_COUNT }, () => randomInt(1, 2 ** 31))

describe('fault-mix fuzzing: a fault phase, then a healed phase that must converge', () => {
  it('the seed alone picks the fault mix', () => {
    expect(faultMixFor(7)).toEqual(faultMixFor(7))
    expect(faultMixFor(7)).not.toEqual(faultMixFor(8))
  })

  it('one seed replays a run exactly', () => {
    const a = runFaultMix({ seed: 3 })
    const b = runFaultMix({ seed: 3 })
    expect(b.steps).toBe(a.steps)
    expect(b.faults).toEqual(a.faults)
  })

  for (const seed of [...FIXED, ...RANDOM]) {
    it(`seed ${seed}${FIXED.includes(seed) ? '' : ' (random)'}: converges to one component, symmetric views, 100 % reliability`, () => {
      const result = runFaultMix({ seed })
      expectChecksPass(result)
    })
  }
})
