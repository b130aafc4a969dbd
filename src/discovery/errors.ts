/**
 * Errors of the discovery layer. Only local failures are thrown (mDNS cannot start:
 * the port cannot be bound, the pinned interface cannot join the multicast group).
 * Malformed packets from the network are never thrown: they are dropped and logged.
 */
import { HearsayError } from '../errors.js'

/** Stable codes of {@link DiscoveryError}. */
export type DiscoveryErrorCode =
  /** The mDNS socket could not be bound or could not join the multicast group on the pinned interface. */
  'ERR_MDNS_START'

export class DiscoveryError extends HearsayError {
  /** Stable error code to switch on. */
  declare readonly code: DiscoveryErrorCode

  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
