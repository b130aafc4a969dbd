/**
 * hearsay: serverless peer-to-peer broadcast for Node.js. HyParView keeps a small,
 * symmetric overlay per topic; Plumtree broadcasts over a spanning tree of it; links are
 * Noise-encrypted TCP between Ed25519 identities; every broadcast is signed by its author.
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
 * await b.joined()
 * await a.broadcast(new TextEncoder().encode('hello'))
 * for await (const event of b.events()) {
 *   if (event.type === 'received') { console.log(event.author, new TextDecoder().decode(event.content)); break }
 * }
 * await alice.close(); await bob.close()
 * ```
 *
 * The protocol core (sans-IO) and the transport are exported for advanced use; the
 * simulator is a separate entry point, `hearsay/sim`.
 */
export {
  createNode,
  Node,
  Topic,
  normalizeTopicId,
  type NodeOptions,
  type NodeStats,
  type SubscribeOptions,
  type JoinedOptions,
  type GossipEvent,
} from './gossip/api.js'
export type { DriverStats } from './gossip/driver/node-driver.js'
export type { NodeAddr } from './ticket/node-addr.js'
export { encodeTicket, parseTicket, parseTopic, topicIdFromName, TicketError, type Ticket } from './ticket/index.js'
export { VirtualClock, systemClock, type Clock } from './gossip/driver/clock.js'
export * from './gossip/proto/index.js'
export {
  MemoryNetwork,
  MemoryTransport,
  TcpTransport,
  TransportError,
  KeyFileError,
  generateIdentity,
  identityFromSecretKey,
  loadKeyFile,
  saveKeyFile,
  loadOrCreateKeyFile,
  parsePeerId,
  shortPeerId,
  type NodeIdentity,
  type Transport,
  type TransportOptions,
  type TransportCounters,
  type InboundRateLimitOptions,
  DEFAULT_INBOUND_RATE_LIMITS,
} from './transport/index.js'
export { HearsayError, ConfigError, InvariantError } from './errors.js'
