/**
 * mDNS for the chat: announce this node and its topic on the local network, and join
 * through every peer newly found in the same topic (once per peer, so a LAN with two
 * separately started chats merges into one swarm, without re-joining every minute).
 * The announced id is pinned when dialing, so a spoofed announcement cannot
 * impersonate a node; at worst it makes us dial an address that fails.
 */
import { startMdnsDiscovery } from '../discovery/index.js'
import type { Node, Topic } from '../index.js'

/** Cap on peers remembered as already joined through. */
const MAX_JOINED_THROUGH = 1_024

export async function startChatDiscovery(node: Node, topic: Topic): Promise<() => Promise<void>> {
  const joinedThrough = new Set<string>()
  const discovery = await startMdnsDiscovery({
    self: node.addr(),
    topics: () => [topic.id],
    onPeer: (peer, topics) => {
      node.addPeer(peer)
      if (!topics.includes(topic.id) || joinedThrough.has(peer.id) || topic.neighbors().includes(peer.id)) return
      joinedThrough.add(peer.id)
      if (joinedThrough.size > MAX_JOINED_THROUGH) joinedThrough.delete(joinedThrough.values().next().value as string)
      try {
        topic.joinPeers([peer])
      } catch {
        // The topic was left meanwhile.
      }
    },
  })
  return () => discovery.close()
}
