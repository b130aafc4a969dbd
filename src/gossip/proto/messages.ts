/**
 * Every protocol message the core sends or receives, per topic.
 *
 * HyParView (membership) and Plumtree (broadcast) messages share one union so a topic
 * can route them; the wire codec (src/gossip/wire/codec.ts) encodes exactly these shapes.
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
  /** Message discriminator. */
  readonly type: 'join'
  /** The sender's membership sequence number: only grows; older ones from the same peer are ignored. */
  readonly seq: number
  /** The joiner's opaque address data, so others can dial it. */
  readonly data?: Uint8Array | undefined
}

/** FORWARD_JOIN: random walk announcing a joining node. */
export interface ForwardJoinMessage {
  /** Message discriminator. */
  readonly type: 'forwardJoin'
  /** The joining node (id and address data). */
  readonly peer: PeerInfo
  /**
   * Hops left in the random walk: starts at `activeRandomWalkLength`, drops by one per
   * hop; at 0 (or at a node with one neighbor) the joiner is taken into the active view,
   * at `passiveRandomWalkLength` into the passive view.
   */
  readonly ttl: number
}

/** NEIGHBOR: ask the receiver to add the sender to its active view. */
export interface NeighborMessage {
  /** Message discriminator. */
  readonly type: 'neighbor'
  /** The sender's membership sequence number: only grows; older ones from the same peer are ignored. */
  readonly seq: number
  /** Identifies this request; echoed in the NEIGHBOR_REPLY so a late reply matches nothing newer. */
  readonly requestId: number
  /** `high` (must be accepted) when the sender has no neighbor, answers a FORWARD_JOIN or re-links a lost neighbor; else `low`. */
  readonly priority: NeighborPriority
  /** The sender's opaque address data. */
  readonly data?: Uint8Array | undefined
}

/** NEIGHBOR_REPLY: explicit answer to a NEIGHBOR request. */
export interface NeighborReplyMessage {
  /** Message discriminator. */
  readonly type: 'neighborReply'
  /** The sender's membership sequence number: only grows; older ones from the same peer are ignored. */
  readonly seq: number
  /** The `requestId` of the NEIGHBOR being answered (0 when answering a JOIN). */
  readonly requestId: number
  /** true: the sender added us to its active view; false: it is full (we keep it as passive). */
  readonly accepted: boolean
}

/** DISCONNECT: the sender removed the receiver from its active view. */
export interface DisconnectMessage {
  /** Message discriminator. */
  readonly type: 'disconnect'
  /** The sender's membership sequence number: only grows; older ones from the same peer are ignored. */
  readonly seq: number
  /** false when the sender leaves the topic: drop it from the passive view too. */
  readonly alive: boolean
}

/** SHUFFLE: random walk carrying a sample of the origin's views. */
export interface ShuffleMessage {
  /** Message discriminator. */
  readonly type: 'shuffle'
  /** The node that started the shuffle; the reply goes straight to it. */
  readonly origin: PeerInfo
  /** The origin's sample: up to `shuffleActiveCount` active and `shufflePassiveCount` passive peers. */
  readonly nodes: readonly PeerInfo[]
  /** Hops left in the random walk: starts at `shuffleRandomWalkLength`, drops by one per hop. */
  readonly ttl: number
}

/** SHUFFLE_REPLY: sent straight back to the shuffle origin with a passive sample. */
export interface ShuffleReplyMessage {
  /** Message discriminator. */
  readonly type: 'shuffleReply'
  /** A sample of the replier's passive view, as many peers as the SHUFFLE carried (or fewer). */
  readonly nodes: readonly PeerInfo[]
}

/** GOSSIP: the payload, eager-pushed along the broadcast tree. */
export interface GossipMessage {
  /** Message discriminator. */
  readonly type: 'gossip'
  /** The message id (unique per broadcast). */
  readonly id: MessageId
  /** The node that broadcast the message (its author): names the tree it travels. */
  readonly origin: PeerId
  /** The broadcast payload. */
  readonly content: Uint8Array
  /** Hops taken so far: 0 when sent by the origin. */
  readonly round: number
  /** `swarm` spreads through the topic; `neighbors` reaches the origin's neighbors and is not forwarded. */
  readonly scope: BroadcastScope
}

/** One lazy-push announcement inside an IHAVE batch. */
export interface IHaveEntry {
  /** The announced message id. */
  readonly id: MessageId
  /** Hops the message had taken when it reached the announcer (0 at the origin). */
  readonly round: number
}

/** IHAVE: batched announcements of message ids the sender holds. */
export interface IHaveMessage {
  /** Message discriminator. */
  readonly type: 'ihave'
  /** The announcements, at most `maxIHaveEntriesPerMessage`; empty for a link check. */
  readonly entries: readonly IHaveEntry[]
}

/**
 * GRAFT: make the link eager again and, if `id` is set, send that message. The tree is
 * `origin`'s when set, else that of the message `id` names (the receiver has it cached).
 */
export interface GraftMessage {
  /** Message discriminator. */
  readonly type: 'graft'
  /** The message to send back (a repair), or none (a tree optimisation). */
  readonly id?: MessageId | undefined
  /** The origin whose tree the link joins; without it, the tree of message `id`. */
  readonly origin?: PeerId | undefined
  /**
   * Tree optimisation only: the latest messages of `origin` we have (at most
   * `MAX_GRAFT_HAVE_IDS`). The grafted peer pushes its own latest ones that are not
   * among them: they passed it before the link joined its tree, and the neighbor we
   * prune at the same time may no longer push them to us either.
   */
  readonly have?: readonly MessageId[] | undefined
  /** Hops of the announcement that led to this GRAFT. */
  readonly round: number
}

/** Most ids a tree GRAFT lists as `have` (the latest messages kept per origin tree). */
export const MAX_GRAFT_HAVE_IDS = 4

/** PRUNE: make the link lazy in `origin`'s tree. */
export interface PruneMessage {
  /** Message discriminator. */
  readonly type: 'prune'
  /** The origin whose tree loses the link. */
  readonly origin: PeerId
}

/** The HyParView messages: JOIN, FORWARD_JOIN, NEIGHBOR(_REPLY), DISCONNECT, SHUFFLE(_REPLY). */
export type MembershipMessage =
  | JoinMessage
  | ForwardJoinMessage
  | NeighborMessage
  | NeighborReplyMessage
  | DisconnectMessage
  | ShuffleMessage
  | ShuffleReplyMessage

/** The Plumtree messages: GOSSIP, IHAVE, GRAFT, PRUNE. */
export type BroadcastMessage = GossipMessage | IHaveMessage | GraftMessage | PruneMessage

/** Any message exchanged inside one topic. */
export type TopicMessage = MembershipMessage | BroadcastMessage

/** The `type` discriminator of any topic message. */
export type TopicMessageType = TopicMessage['type']
