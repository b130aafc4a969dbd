/**
 * Approximate encoded size of a message, for the simulator's bytes-per-node figure.
 * Mirrors the wire layout (version + topic + type, 32-byte ids, varint-ish counters)
 * closely enough for comparisons; the real codec lives in src/gossip/wire/codec.ts.
 */
import type { PeerInfo } from '../proto/types.js'
import type { TopicMessage } from '../proto/messages.js'

const FRAME_OVERHEAD = 4 + 1 + 32 + 1 // length prefix, version, topic id, type
const PEER_ID = 32

function peerBytes(peer: PeerInfo): number {
  return PEER_ID + 2 + (peer.data?.length ?? 0)
}

export function approxWireBytes(message: TopicMessage): number {
  switch (message.type) {
    case 'join':
      return FRAME_OVERHEAD + 4 + 2 + (message.data?.length ?? 0)
    case 'forwardJoin':
      return FRAME_OVERHEAD + peerBytes(message.peer) + 1
    case 'neighbor':
      return FRAME_OVERHEAD + 4 + 4 + 1 + 2 + (message.data?.length ?? 0)
    case 'neighborReply':
      return FRAME_OVERHEAD + 4 + 4 + 1
    case 'disconnect':
      return FRAME_OVERHEAD + 4 + 1
    case 'shuffle':
      return FRAME_OVERHEAD + peerBytes(message.origin) + 1 + 1 + message.nodes.reduce((s, p) => s + peerBytes(p), 0)
    case 'shuffleReply':
      return FRAME_OVERHEAD + 1 + message.nodes.reduce((s, p) => s + peerBytes(p), 0)
    case 'gossip':
      return FRAME_OVERHEAD + 32 + PEER_ID + 2 + 1 + 4 + message.content.length
    case 'ihave':
      return FRAME_OVERHEAD + 2 + message.entries.length * (32 + 2)
    case 'graft':
      return FRAME_OVERHEAD + 1 + (message.id === undefined ? 0 : 32) + (message.origin === undefined ? 0 : PEER_ID) + 2
    case 'prune':
      return FRAME_OVERHEAD + PEER_ID
  }
}
