/**
 * hearsay: serverless peer-to-peer broadcast for Node.js. HyParView keeps a small,
 * symmetric overlay per topic; Plumtree broadcasts over a spanning tree of it; links are
 * Noise-encrypted TCP between Ed25519 identities; every broadcast is signed by its author.
 *
 * This entry point is what an application needs: {@link createNode}, {@link Node},
 * {@link Topic}, their events and options, tickets, mDNS discovery and the errors.
 * The protocol core is `hearsay/proto`, the transport `hearsay/transport`, the
 * simulator `hearsay/sim`.
 *
 * @example
 * ```ts
 * import { createNode } from 'hearsay'
 *
 * const alice = await createNode({ listen: '127.0.0.1:0' })
 * const bob = await createNode({ listen: '127.0.0.1:0' })
 * const topicId = 'ab'.repeat(32)
 * const a = alice.subscribe(topicId)
 * const b = bob.subscribe(topicId, { bootstrap: [alice.addr()] })
 * const events = b.events()          // subscribe to events before broadcasting
 * await b.joined()
 * await a.broadcast(new TextEncoder().encode('hello'))
 * for await (const event of events) {
 *   if (event.type === 'received') { console.log(new TextDecoder().decode(event.content)); break }
 * }
 * await Promise.all([alice.close(), bob.close()])
 * ```
 *
 * @packageDocumentation
 * @module hearsay
 */
// Node 20 lacks Promise.withResolvers, which the Noise handshake calls: install it first.
import './polyfill.js'

export {
  createNode,
  Node,
  Topic,
  normalizeTopicId,
  type NodeOptions,
  type NodeStats,
  type TopicProtocolStats,
  type SubscribeOptions,
  type JoinedOptions,
  type BroadcastOptions,
  type EventsOptions,
  type GossipEvent,
} from './gossip/node/api.js'
export type { DriverStats } from './gossip/node/driver-stats.js'
export type { MembershipStats, BroadcastSizes, TopicStats } from './gossip/proto/index.js'
export type { TransportCounters } from './transport/types.js'
export type { NodeAddr } from './ticket/node-addr.js'
export {
  encodeTicket,
  parseTicket,
  parseTopic,
  topicIdFromName,
  isNodeId,
  isTopicId,
  TicketError,
  MAX_TICKET_PEERS,
  MAX_ADDRS_PER_PEER,
  validateNodeAddr,
  type Ticket,
  type TicketErrorCode,
} from './ticket/index.js'
export {
  startMdnsDiscovery,
  DiscoveryError,
  MDNS_DEFAULTS,
  type DiscoveryErrorCode,
  type DiscoveryLogger,
  type MdnsDiscovery,
  type MdnsDiscoveryOptions,
  type MdnsOptions,
} from './discovery/index.js'
export { VirtualClock, systemClock, type Clock } from './gossip/node/virtual-clock.js'
export { LATE_AFTER_MS } from './gossip/node/late.js'
export type { Transport } from './transport/types.js'
export type { TransportOptions } from './transport/options.js'
export type { DialGuardOptions } from './gossip/node/dial-guard.js'
export type { ReplayGuardOptions } from './gossip/node/replay-guard.js'
export { DEFAULT_AUTHOR_ORDER_OPTIONS, type AuthorOrderOptions } from './gossip/node/author-order.js'
export type { VerifyBudgetOptions } from './gossip/node/verify-budget.js'
export { TransportError, KeyFileError, type TransportErrorCode, type KeyFileErrorCode } from './transport/errors.js'
export type { ProtocolConfigInput } from './gossip/proto/config.js'
export type { NeighborDownReason } from './gossip/proto/io.js'
export type { BroadcastScope } from './gossip/proto/types.js'
export { HearsayError, ConfigError } from './errors.js'
export { isHexId, shortId, type NodeId, type TopicId, type MessageId } from './ids.js'
