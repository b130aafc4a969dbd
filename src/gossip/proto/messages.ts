/**
 * Every protocol message the core sends or receives, per topic.
 *
 * HyParView (membership) and Plumtree (broadcast) messages share one union so a topic
 * can route them; the wire codec (src/gossip/wire.ts) encodes exactly these shapes.
 *
 * Deviations from the papers, each for a known pitfall (see docs/protocol.md):
 * - NEIGHBOR carries a request id and is answered by an explicit NEIGHBOR_REPLY
 *   (accept/reject), so a late reply never confirms a newer request.
 * - JOIN, NEIGHBOR, NEIGHBOR_REPLY and DISCONNECT carry `seq`, a per-sender counter
 *   that only grows; a receiver ignores a membership message older than the last one it
 *   handled from the same peer (stale DISCONNECT racing a re-add).
 * - DISCONNECT says whether the sender stays alive (eviction) or leaves (quit), so a
 *   leaving peer is dropped from passive views as well.
 */
import type { BroadcastScope, MessageId, PeerId, PeerInfo } from './types.js'

/** NEIGHBOR priority: `high` is always accepted, `low` only into a free slot. */
export type NeighborPriority = 'high' | 'low'

/** JOIN: a new node asks its contact to take it into the overlay. */
export interface JoinMessage {
  readonly type: 'join'
  readonly seq: number
  readonly data?: Uint8Array | undefined
}

/** FORWARD_JOIN: random walk announcing a joining node. */
export interface ForwardJoinMessage {
  readonly type: 'forwardJoin'
  readonly peer: PeerInfo
  readonly ttl: number
}

/** NEIGHBOR: ask the receiver to add the sender to its active view. */
export interface NeighborMessage {
  readonly type: 'neighbor'
  readonly seq: number
  readonly requestId: number
  readonly priority: NeighborPriority
  readonly data?: Uint8Array | undefined
}

/** NEIGHBOR_REPLY: explicit answer to a NEIGHBOR request. */
export interface NeighborReplyMessage {
  readonly type: 'neighborReply'
  readonly seq: number
  readonly requestId: number
  readonly accepted: boolean
}

/** DISCONNECT: the sender removed the receiver from its active view. */
export interface DisconnectMessage {
  readonly type: 'disconnect'
  readonly seq: number
  /** false when the sender leaves the topic: drop it from the passive view too. */
  readonly alive: boolean
}

/** SHUFFLE: random walk carrying a sample of the origin's views. */
export interface ShuffleMessage {
  readonly type: 'shuffle'
  readonly origin: PeerInfo
  readonly nodes: readonly PeerInfo[]
  readonly ttl: number
}

/** SHUFFLE_REPLY: sent straight back to the shuffle origin with a passive sample. */
export interface ShuffleReplyMessage {
  readonly type: 'shuffleReply'
  readonly nodes: readonly PeerInfo[]
}

/** GOSSIP: the payload, eager-pushed along the broadcast tree. */
export interface GossipMessage {
  readonly type: 'gossip'
  readonly id: MessageId
  /** The node that broadcast the message (its author): names the tree it travels. */
  readonly origin: PeerId
  readonly content: Uint8Array
  /** Hops taken so far: 0 when sent by the origin. */
  readonly round: number
  readonly scope: BroadcastScope
}

/** One lazy-push announcement inside an IHAVE batch. */
export interface IHaveEntry {
  readonly id: MessageId
  readonly round: number
}

/** IHAVE: batched announcements of message ids the sender holds. */
export interface IHaveMessage {
  readonly type: 'ihave'
  readonly entries: readonly IHaveEntry[]
}

/**
 * GRAFT: make the link eager again and, if `id` is set, send that message. The tree is
 * `origin`'s when set, else that of the message `id` names (the receiver has it cached).
 */
export interface GraftMessage {
  readonly type: 'graft'
  /** The message to send back (a repair), or none (a tree optimisation). */
  readonly id?: MessageId | undefined
  /** The origin whose tree the link joins; without it, the tree of message `id`. */
  readonly origin?: PeerId | undefined
  /** Hops of the announcement that led to this GRAFT. */
  readonly round: number
}

/** PRUNE: make the link lazy in `origin`'s tree. */
export interface PruneMessage {
  readonly type: 'prune'
  /** The origin whose tree loses the link. */
  readonly origin: PeerId
}

export type MembershipMessage =
  | JoinMessage
  | ForwardJoinMessage
  | NeighborMessage
  | NeighborReplyMessage
  | DisconnectMessage
  | ShuffleMessage
  | ShuffleReplyMessage

export type BroadcastMessage = GossipMessage | IHaveMessage | GraftMessage | PruneMessage

/** Any message exchanged inside one topic. */
export type TopicMessage = MembershipMessage | BroadcastMessage

export type TopicMessageType = TopicMessage['type']
