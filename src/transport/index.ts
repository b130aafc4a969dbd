/**
 * Transport layer: node identities, Noise-secured TCP connections carrying
 * length-prefixed frames, and an in-memory transport with the same contract.
 * Never imports the gossip core (only its id types). Exported as `hearsay/transport`.
 *
 * @module hearsay/transport
 */
// Node 20 lacks Promise.withResolvers, which the Noise handshake calls: install it first.
import '../polyfill.js'

export * from './types.js'
export * from './errors.js'
export * from './options.js'
export * from './address.js'
export * from './keys.js'
export { DEFAULT_INBOUND_RATE_LIMITS, InboundRateLimiter, TokenBucket, type InboundRateLimitOptions, type RateVerdict } from './rate-limit.js'
export { TcpTransport, type TcpTransportInit } from './tcp.js'
export type { TransportEnv } from './base.js'
export type { Logs, Logger } from '../log.js'
export type { Clock } from '../clock.js'
export { MemoryNetwork, MemoryTransport, MEMORY_PIPE_HIGH_WATER_BYTES } from './memory.js'
