/**
 * The fuzz properties (test/fuzz/properties.ts) as a bounded test: FUZZ_RUNS runs in
 * total (default 3,000, split by weight) with a fixed seed (FC_SEED overrides).
 * `npm run fuzz` runs the same properties at >= 100,000 cases (bench/fuzz.ts).
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { FUZZ_PROPERTIES, runsPerProperty } from './properties.js'

const TOTAL = Number(process.env['FUZZ_RUNS'] ?? 3_000)
const SEED = Number(process.env['FC_SEED'] ?? 8_080_808)
const runs = runsPerProperty(TOTAL)

describe('fuzz properties (bounded)', () => {
  it.each(FUZZ_PROPERTIES.map((p, i) => [p.name, p, runs[i] as number] as const))('%s', (_name, p, numRuns) => {
    fc.assert(p.property, { numRuns, seed: SEED })
  })
})
