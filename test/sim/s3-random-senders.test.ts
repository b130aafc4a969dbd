import { describe, expect, it } from 'vitest'
import { overlayChecks, replayCommand, runBootstrap, runRandomSenders, type ScenarioResult } from '../../bench/sim/index.js'
import { expectChecksPass, NODES, SEEDS } from './scenarios-helpers.js'

// S3 starts with S1's bootstrap (same seed, same swarm), and its result carries the overlay
// right after it: one run per seed serves both scenarios' tests.
const runs = new Map<number, ScenarioResult>()
function s3(seed: number): ScenarioResult {
  let result = runs.get(seed)
  if (result === undefined) {
    result = runRandomSenders({ nodes: NODES, seed })
    runs.set(seed, result)
  }
  return result
}

describe('S1 bootstrap: 1,000 nodes join through random earlier nodes', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: one component, >= 99 % full active views, all links symmetric`, () => {
      const { overlay } = s3(seed)
      expectChecksPass({ scenario: 's1', seed, checks: overlayChecks(overlay), replay: replayCommand('s1', NODES, seed) })
      expect(overlay.liveNodes).toBe(NODES)
      expect(overlay.deadActiveLinks).toBe(0)
    })
  }

  it('the S1 runner builds the same overlay as the bootstrap S3 starts from', () => {
    const s1 = runBootstrap({ nodes: NODES, seed: 1 })
    expect(s1.overlay).toEqual(s3(1).overlay)
    expect(s1.checks).toEqual(overlayChecks(s3(1).overlay))
  })
})

describe('S3 random senders: 100 broadcasts', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: reliability 100 %, RMR <= 0.2, mean LDH <= 15`, () => {
      const result = s3(seed)
      expectChecksPass(result)
      expect(result.delivery?.broadcasts).toBe(100)
    })
  }
})
