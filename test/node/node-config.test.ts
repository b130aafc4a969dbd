import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import { ENVELOPE_OVERHEAD_BYTES } from '../../src/gossip/node/envelope.js'
import { DEFAULT_MAX_MESSAGE_BYTES, resolveNodeConfig } from '../../src/gossip/node/config.js'
import { resolveConfig } from '../../src/gossip/proto/config.js'
import { resolveTransportOptions } from '../../src/transport/options.js'

function fieldOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).field
  }
  throw new Error('no ConfigError thrown')
}

describe('resolveNodeConfig', () => {
  it('derives the protocol and wire limits from maxMessageBytes and the protocol config', () => {
    const config = resolveNodeConfig({ maxMessageBytes: 10_000, config: { broadcast: { maxIHaveEntriesPerMessage: 2_000 } } })
    expect(config.protocol.broadcast.maxMessageBytes).toBe(10_000 + ENVELOPE_OVERHEAD_BYTES)
    expect(config.wire.maxContentBytes).toBe(10_000 + ENVELOPE_OVERHEAD_BYTES)
    expect(config.wire.maxIHaveEntries).toBe(2_000)
    expect(config.wire.maxFrameBytes).toBe(config.transport.maxFrameBytes)
  })

  it('defaults every field, and takes an explicit undefined as the default', () => {
    const config = resolveNodeConfig({ maxMessageBytes: undefined, config: { membership: { activeViewCapacity: undefined } }, transportOptions: { connectTimeoutMs: undefined } })
    expect(config.maxMessageBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES)
    expect(config.protocol.membership.activeViewCapacity).toBe(resolveConfig().membership.activeViewCapacity)
    expect(config.transport.connectTimeoutMs).toBe(resolveTransportOptions().connectTimeoutMs)
  })

  it('refuses the derived protocol message size instead of overwriting it', () => {
    expect(fieldOf(() => resolveNodeConfig({ config: { broadcast: { maxMessageBytes: 100 } } }))).toBe('config.broadcast.maxMessageBytes')
  })

  it('checks limits across layers and names the field', () => {
    expect(fieldOf(() => resolveNodeConfig({ maxMessageBytes: 70_000, transportOptions: { maxFrameBytes: 65_536 } }))).toBe('maxMessageBytes')
    expect(fieldOf(() => resolveNodeConfig({ config: { broadcast: { maxIHaveEntriesPerMessage: 100_000 } }, transportOptions: { maxFrameBytes: 65_536 } }))).toBe(
      'config.broadcast.maxIHaveEntriesPerMessage',
    )
    expect(fieldOf(() => resolveNodeConfig({ eventBufferSize: 0 }))).toBe('eventBufferSize')
    expect(fieldOf(() => resolveNodeConfig({ config: { membership: { activeViewCapacity: 0 } } }))).toBe('membership.activeViewCapacity')
  })
})
