/** Shared assertions for the simulation scenario tests. */
import { expect } from 'vitest'
import type { Check } from '../../bench/sim/index.js'

/** What every scenario result carries. */
export interface Checked {
  readonly scenario: string
  readonly seed: number
  readonly checks: readonly Check[]
  readonly replay: string
}

export const SEEDS = [1, 2, 3, 4, 5]
export const NODES = 1_000

/** Fails with every broken check, the seed and the command that replays the run. */
export function expectChecksPass(result: Checked): void {
  const failed = result.checks.filter((c) => !c.ok)
  const report = failed.map((c) => `${c.name}: ${c.detail}`).join('; ')
  expect(failed, `${result.scenario} seed ${result.seed} failed: ${report}\n  replay: ${result.replay}`).toEqual([])
}
