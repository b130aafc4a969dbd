/**
 * Discovery: finding peers on the LAN with multicast DNS. Bootstrap from tickets
 * lives in src/ticket. Never imports the gossip core. Announcements are not
 * authenticated: dial the announced id with it pinned in the handshake.
 *
 * Most applications turn discovery on with `createNode({ mdns: true })`; this module is
 * for running it on its own.
 */
import { startMdnsDiscovery as start } from './mdns.js'
import type { MdnsDiscovery, MdnsDiscoveryOptions } from './options.js'

export { DiscoveryError, type DiscoveryErrorCode } from './errors.js'
export {
  DEFAULT_SERVICE_NAME,
  MAX_ANNOUNCED_TOPICS,
  MDNS_DEFAULTS,
  type DiscoveryLogger,
  type MdnsDiscovery,
  type MdnsDiscoveryOptions,
  type MdnsOptions,
} from './options.js'

/**
 * Starts announcing `self` and the topics it is in on the local network, and reports
 * every other hearsay node heard through `onPeer`. Resolves once the UDP socket is
 * bound (and, when pinned with `interface`, has joined the multicast group there).
 *
 * @throws ConfigError (`ERR_INVALID_CONFIG`) for bad options, TicketError for a bad
 *   `self`, DiscoveryError (`ERR_MDNS_START`) when the socket cannot start.
 * @example
 * ```ts
 * const discovery = await startMdnsDiscovery({
 *   self: node.addr(),
 *   topics: () => [topic.id],
 *   onPeer: (peer, topics) => { if (topics.includes(topic.id)) topic.joinPeers([peer]) },
 * })
 * // ...
 * await discovery.close()
 * ```
 */
export function startMdnsDiscovery(options: MdnsDiscoveryOptions): Promise<MdnsDiscovery> {
  return start(options)
}
