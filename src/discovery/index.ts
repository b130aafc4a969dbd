/**
 * Discovery: finding peers on the LAN with multicast DNS. Bootstrap from tickets
 * lives in src/ticket. Never imports the gossip core. Announcements are not
 * authenticated: dial the announced id with it pinned in the handshake.
 */
export { DiscoveryError, type DiscoveryErrorCode } from './errors.js'
export { MDNS_DEFAULTS, startMdnsDiscovery, type MdnsDiscovery, type MdnsDiscoveryOptions } from './mdns.js'
export { DEFAULT_SERVICE_NAME, MAX_ANNOUNCED_TOPICS, type Announcement } from './mdns-records.js'
