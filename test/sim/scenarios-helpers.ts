/** Shared assertions for the S1–S3 simulation tests. */
import { expect } from 'vitest'
import type { ScenarioResult } from '../../src/gossip/sim/index.js'

export const SEEDS = [1, 2, 3, 4, 5]
export const NODES = 1_000

/** Fails with every broken check, the seed and the command that replays the run. */
export function expectChecksPass(result: ScenarioResult): void {
  const failed = result.checks.filter((c) => !c.ok)
  const report = failed.map((c) => `${c.name}: ${c.detail}`).join('; ')
  expect(failed, `${result.scenario} seed ${result.seed} failed: ${report}\n  replay: ${result.replay}`).toEqual([])
}
