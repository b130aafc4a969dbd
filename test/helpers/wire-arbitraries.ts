/** fast-check arbitraries for the wire codec's messages (shared by the wire tests and `npm run fuzz`). */
import fc from 'fast-check'
import type { TopicMessage } from '../../src/gossip/proto/messages.js'
import type { PeerInfo } from '../../src/gossip/proto/types.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export const idArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex)
export const numArb = fc.oneof(fc.nat(300), fc.maxSafeNat())
export const dataArb = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined })
export const peerArb: fc.Arbitrary<PeerInfo> = fc.record({ id: idArb, data: dataArb }, { requiredKeys: ['id'] })
export const peersArb = fc.array(peerArb, { maxLength: 10 })

export const messageArb: fc.Arbitrary<TopicMessage> = fc.oneof(
  fc.record({ type: fc.constant('join' as const), seq: numArb, data: dataArb }, { requiredKeys: ['type', 'seq'] }),
  fc.record({ type: fc.constant('forwardJoin' as const), peer: peerArb, ttl: numArb }),
  fc.record(
    { type: fc.constant('neighbor' as const), seq: numArb, requestId: numArb, priority: fc.constantFrom('high' as const, 'low' as const), data: dataArb },
    { requiredKeys: ['type', 'seq', 'requestId', 'priority'] },
  ),
  fc.record({ type: fc.constant('neighborReply' as const), seq: numArb, requestId: numArb, accepted: fc.boolean() }),
  fc.record({ type: fc.constant('disconnect' as const), seq: numArb, alive: fc.boolean() }),
  fc.record({ type: fc.constant('shuffle' as const), origin: peerArb, nodes: peersArb, ttl: numArb }),
  fc.record({ type: fc.constant('shuffleReply' as const), nodes: peersArb }),
  fc.record({
    type: fc.constant('gossip' as const),
    id: idArb,
    origin: idArb,
    content: fc.uint8Array({ maxLength: 300 }),
    round: numArb,
    scope: fc.constantFrom('swarm' as const, 'neighbors' as const),
  }),
  fc.record({ type: fc.constant('ihave' as const), entries: fc.array(fc.record({ id: idArb, round: numArb }), { maxLength: 20 }) }),
  fc.record(
    { type: fc.constant('graft' as const), id: fc.option(idArb, { nil: undefined }), origin: fc.option(idArb, { nil: undefined }), round: numArb },
    { requiredKeys: ['type', 'round'] },
  ),
  fc.record({ type: fc.constant('prune' as const), origin: idArb }),
)
