import { describe, expect, it } from 'vitest'
import { DEFAULT_BROADCAST_CONFIG, DEFAULT_MEMBERSHIP_CONFIG, resolveConfig } from '../../src/gossip/proto/config.js'
import { ConfigError } from '../../src/errors.js'

describe('protocol config', () => {
  it('defaults to the paper / iroh-gossip parameters', () => {
    expect(DEFAULT_MEMBERSHIP_CONFIG).toMatchObject({
      activeViewCapacity: 5,
      passiveViewCapacity: 30,
      activeRandomWalkLength: 6,
      passiveRandomWalkLength: 3,
      shuffleActiveCount: 3,
      shufflePassiveCount: 4,
      shuffleRandomWalkLength: 6,
      shuffleIntervalMs: 60_000,
      neighborRequestTimeoutMs: 1_000,
    })
    expect(DEFAULT_BROADCAST_CONFIG).toMatchObject({
      graftTimeout1Ms: 80,
      graftTimeout2Ms: 40,
      ihaveDispatchMs: 5,
      messageCacheMs: 75_000, // hearsay: a partition of about a minute loses nothing (iroh: 30 s)
      seenIdRetentionMs: 90_000,
      maxMessageBytes: 4096,
    })
  })

  it('merges overrides onto the defaults', () => {
    const config = resolveConfig({ membership: { activeViewCapacity: 8 } })
    expect(config.membership.activeViewCapacity).toBe(8)
    expect(config.membership.passiveViewCapacity).toBe(30)
  })

  it.each([
    [{ membership: { activeViewCapacity: 0 } }, /membership.activeViewCapacity must be an integer >= 1, got 0/],
    [{ membership: { shuffleIntervalMs: 1.5 } }, /membership.shuffleIntervalMs must be an integer >= 1, got 1.5/],
    [{ broadcast: { maxMessageBytes: -1 } }, /broadcast.maxMessageBytes must be an integer >= 1/],
    [{ broadcast: { adaptiveGraftTimeout: 1 as unknown as boolean } }, /broadcast.adaptiveGraftTimeout must be a boolean/],
    [{ membership: { passiveRandomWalkLength: 7 } }, /passiveRandomWalkLength \(7\) must not exceed activeRandomWalkLength \(6\)/],
    [{ broadcast: { messageCacheMs: 100_000 } }, /messageCacheMs \(100000\) must not exceed seenIdRetentionMs \(90000\)/],
    [{ broadcast: { maxGraftTimeoutMs: 10 } }, /maxGraftTimeoutMs \(10\) must not be below graftTimeout1Ms \(80\)/],
    [{ broadcast: { graftTimeout: 5 } as never }, /broadcast.graftTimeout is not a known option/],
  ])('rejects %j with a clear error', (input, message) => {
    expect(() => resolveConfig(input)).toThrow(ConfigError)
    expect(() => resolveConfig(input)).toThrow(message)
  })
})
