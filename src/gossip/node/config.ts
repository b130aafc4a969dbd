/**
 * The one place a node's limits come from: `resolveNodeConfig()` reads the user's
 * options once, fills every default from a named constant below, derives the limits one
 * layer imposes on another (the protocol's message size from `maxMessageBytes` plus the
 * envelope, the wire codec's limits from the protocol and the transport frame size) and
 * checks the constraints that span layers. Every error is a ConfigError naming the field
 * and what to do.
 *
 * One policy for `undefined` in every option object (node, protocol, transport, wire):
 * a field set to `undefined` is the same as a field left out, and takes its default.
 */
import { ConfigError } from '../../errors.js'
import { resolveConfig, type ProtocolConfig, type ProtocolConfigInput } from '../proto/config.js'
import { DEFAULT_TRANSPORT_OPTIONS, resolveTransportOptions, type TransportOptions } from '../../transport/options.js'
import { ENVELOPE_OVERHEAD_BYTES } from './envelope.js'
import { maxIHaveFrameBytes, maxGossipFrameBytes, resolveWireLimits, type WireLimits } from '../wire/codec.js'

/** Default largest broadcast payload in bytes (`NodeOptions.maxMessageBytes`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4_096
/** Default events buffered per `events()` iterator before `lagged` (`NodeOptions.eventBufferSize`). */
export const DEFAULT_EVENT_BUFFER_SIZE = 1_024
/** Default time a link no topic uses stays open (`NodeOptions.unusedLinkTimeoutMs`): a peer has 30 s to use a link. */
export const DEFAULT_UNUSED_LINK_TIMEOUT_MS = 30_000
/** Default time `Topic.joined()` waits for a first neighbor (`JoinedOptions.timeoutMs`). */
export const DEFAULT_JOINED_TIMEOUT_MS = 30_000
/** Default listen address of the TCP transport (`NodeOptions.listen`): every IPv4 interface, a free port. */
export const DEFAULT_LISTEN_ADDRESS = '0.0.0.0:0'

/** The options `resolveNodeConfig` reads (the limit-bearing part of `NodeOptions`). */
export interface NodeConfigInput {
  /** Largest broadcast payload. */
  maxMessageBytes?: number | undefined
  /** Events buffered per iterator. */
  eventBufferSize?: number | undefined
  /** Lifetime of a link no topic uses. */
  unusedLinkTimeoutMs?: number | undefined
  /** Protocol parameters. */
  config?: ProtocolConfigInput | undefined
  /** Transport options (also used for the frame size when a transport is given). */
  transportOptions?: Partial<TransportOptions> | undefined
}

/** Every limit of one node, resolved and checked. */
export interface NodeConfig {
  /** Largest broadcast payload the API accepts. */
  readonly maxMessageBytes: number
  /** Events buffered per `events()` iterator before `lagged`. */
  readonly eventBufferSize: number
  /** Lifetime of a link no topic uses. */
  readonly unusedLinkTimeoutMs: number
  /** The protocol core's configuration (`broadcast.maxMessageBytes` is the signed envelope's size). */
  readonly protocol: ProtocolConfig
  /** The wire codec's limits, derived from the protocol and transport limits. */
  readonly wire: WireLimits
  /** The TCP transport's options. */
  readonly transport: TransportOptions
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) {
    throw new ConfigError(`${field} must be a positive integer, got ${String(resolved)}: leave it out for the default (${fallback})`, field)
  }
  return resolved
}

/**
 * Resolves and checks every limit of a node from its options; throws ConfigError naming
 * the field. Derived fields cannot be set directly: `config.broadcast.maxMessageBytes`
 * is `maxMessageBytes` plus the envelope, the wire limits follow the protocol and the
 * transport.
 */
export function resolveNodeConfig(options: NodeConfigInput = {}): NodeConfig {
  const maxMessageBytes = positiveInteger('maxMessageBytes', options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES)
  const eventBufferSize = positiveInteger('eventBufferSize', options.eventBufferSize, DEFAULT_EVENT_BUFFER_SIZE)
  const unusedLinkTimeoutMs = options.unusedLinkTimeoutMs ?? DEFAULT_UNUSED_LINK_TIMEOUT_MS
  if (!Number.isFinite(unusedLinkTimeoutMs) || unusedLinkTimeoutMs <= 0) {
    throw new ConfigError(`unusedLinkTimeoutMs must be a positive number, got ${String(unusedLinkTimeoutMs)}: leave it out for the default (${DEFAULT_UNUSED_LINK_TIMEOUT_MS})`, 'unusedLinkTimeoutMs')
  }
  const given = options.config?.broadcast?.maxMessageBytes
  if (given !== undefined) {
    throw new ConfigError(
      `config.broadcast.maxMessageBytes is derived from maxMessageBytes (plus ${ENVELOPE_OVERHEAD_BYTES} bytes of signed envelope): set maxMessageBytes instead`,
      'config.broadcast.maxMessageBytes',
    )
  }
  const envelopeBytes = maxMessageBytes + ENVELOPE_OVERHEAD_BYTES
  const protocol = resolveConfig({
    ...options.config,
    broadcast: { ...options.config?.broadcast, maxMessageBytes: envelopeBytes },
  })
  const transport = resolveTransportOptions(options.transportOptions)
  const maxFrameBytes = transport.maxFrameBytes > 0 ? transport.maxFrameBytes : DEFAULT_TRANSPORT_OPTIONS.maxFrameBytes
  const wire = resolveWireLimits({
    maxContentBytes: envelopeBytes,
    maxIHaveEntries: protocol.broadcast.maxIHaveEntriesPerMessage,
    maxFrameBytes,
  })
  if (maxGossipFrameBytes(wire) > maxFrameBytes) {
    throw new ConfigError(
      `maxMessageBytes (${maxMessageBytes}) does not fit in one frame of transportOptions.maxFrameBytes (${maxFrameBytes}): lower maxMessageBytes or raise maxFrameBytes`,
      'maxMessageBytes',
    )
  }
  if (maxIHaveFrameBytes(wire) > maxFrameBytes) {
    throw new ConfigError(
      `config.broadcast.maxIHaveEntriesPerMessage (${protocol.broadcast.maxIHaveEntriesPerMessage}) does not fit in one frame of transportOptions.maxFrameBytes (${maxFrameBytes}): lower it or raise maxFrameBytes`,
      'config.broadcast.maxIHaveEntriesPerMessage',
    )
  }
  return { maxMessageBytes, eventBufferSize, unusedLinkTimeoutMs, protocol, wire, transport }
}
