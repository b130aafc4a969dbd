/**
 * Tickets (copy-pasteable strings holding a topic and bootstrap peers), node
 * addresses and topic ids. Never imports the gossip core.
 */
export { TicketError, type TicketErrorCode } from './errors.js'
export {
  MAX_ADDRS_PER_PEER,
  canonicalAddress,
  isNodeId,
  validateNodeAddr,
  validateNodeId,
  type NodeAddr,
} from './node-addr.js'
export { MAX_TICKET_PEERS, TICKET_VERSION, type Ticket } from './codec.js'
export { MAX_TICKET_CHARS, TICKET_PREFIX, encodeTicket, parseTicket, validateTicket } from './ticket.js'
export { MAX_TOPIC_NAME_BYTES, TOPIC_NAME_DOMAIN, isTopicId, parseTopic, topicIdFromName, validateTopicId } from './topic.js'
