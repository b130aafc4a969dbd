import { describe, expect, it } from 'vitest'
import { runRandomSenders } from '../../bench/sim/index.js'
import { expectChecksPass, NODES, SEEDS } from './scenarios-helpers.js'

describe('S3 random senders: 100 broadcasts', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: reliability 100 %, RMR <= 0.2, mean LDH <= 15`, () => {
      const result = runRandomSenders({ nodes: NODES, seed })
      expectChecksPass(result)
      expect(result.delivery?.broadcasts).toBe(100)
    })
  }
})
