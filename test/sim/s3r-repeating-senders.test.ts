import { describe, expect, it } from 'vitest'
import { runConcurrentSenders, runRepeatingSenders } from '../../bench/sim/index.js'
import { expectChecksPass, NODES, SEEDS } from './scenarios-helpers.js'

describe('S3r repeating senders: 20 senders, 100 broadcasts', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: reliability 100 %, RMR <= 0.02, mean LDH <= flood LDH + 2`, () => {
      const result = runRepeatingSenders({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.delivery?.broadcasts).toBe(100)
    })
  }
})

describe('concurrent senders keep their trees (virtual time)', () => {
  // 12 nodes, all of them sending about one message per second each, 30-50 ms links.
  const base = { nodes: 12, senders: 12, messages: 240, minLatencyMs: 30, maxLatencyMs: 50 }

  it('12 concurrent senders: fan-out p50 within 1.25x of one broadcast at a time, <= 0.2 GRAFTs per broadcast', () => {
    const sequential = runConcurrentSenders({ ...base, seed: 1, intervalMs: 1_000 })
    const concurrent = runConcurrentSenders({ ...base, seed: 1, intervalMs: 83 })
    expect(concurrent.delivered).toBe(true)
    expect(concurrent.fanoutLatencyMs.p50).toBeLessThanOrEqual(1.25 * sequential.fanoutLatencyMs.p50)
    expect(concurrent.graftsPerBroadcast).toBeLessThanOrEqual(0.2)
    expect(concurrent.pairsWithoutEagerLink).toBe(0)
  })

  it('with one shared tree (maxOriginTrees 0) the same load loses eager links and waits for GRAFTs', () => {
    const shared = runConcurrentSenders({ ...base, seed: 1, intervalMs: 83, config: { broadcast: { maxOriginTrees: 0 } } })
    expect(shared.delivered).toBe(true)
    expect(shared.graftsPerBroadcast).toBeGreaterThan(1)
  })
})
