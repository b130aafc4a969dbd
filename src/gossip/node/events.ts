/**
 * The events a topic hands to the application (`Topic.events()`), built once by the node
 * driver: the core's protocol events with the signed envelope opened, in per-author order.
 */
import type { NeighborDownReason } from '../proto/io.js'
import type { BroadcastScope } from '../proto/types.js'
import type { LATE_AFTER_MS } from './late.js'

/** What a topic's `events()` yields: a message, a neighbor change, or a note that events were dropped. */
export type GossipEvent =
  | {
      /** A broadcast arrived (already verified: signature, id, topic). */
      readonly type: 'received'
      /** The broadcast payload. */
      readonly content: Uint8Array
      /** Node id of the original author (verified by signature). */
      readonly author: string
      /** The neighbor that handed it to us. */
      readonly deliveredBy: string
      /** Unique id of this broadcast (64 hex). */
      readonly id: string
      /** Hops from the author. */
      readonly hops: number
      /** `'swarm'` for `broadcast()`, `'neighbors'` for `broadcastNeighbors()`. */
      readonly scope: BroadcastScope
      /** When the author sent it: its signed timestamp (ms since the epoch, the author's clock). */
      readonly sentAtMs: number
      /**
       * Sent more than {@link LATE_AFTER_MS} before it was delivered (by the author's
       * clock against ours): caught up after a partition or a link repair.
       */
      readonly late: boolean
    }
  | {
      /**
       * Messages of `author` that will not be delivered: they did not arrive within the
       * hold time (`authorOrder.holdMs`, 10 s) while a later message of the same author
       * waited for them, e.g. sent more than 75 s before a partition healed. Each
       * author's messages are delivered in the order they were sent; a gap is reported
       * where that order skips some.
       */
      readonly type: 'gap'
      /** Node id of the author whose messages are missing. */
      readonly author: string
      /** How many of its messages are missing at this point of its sequence. */
      readonly missed: number
    }
  | {
      /** A peer became a neighbor (joined this node's active view). */
      readonly type: 'neighborUp'
      /** Node id of the new neighbor. */
      readonly peer: string
    }
  | {
      /** A neighbor left the active view. */
      readonly type: 'neighborDown'
      /** Node id of the former neighbor. */
      readonly peer: string
      /** Why: `disconnected` (it said so), `connectionLost`, `evicted` (replaced by another peer) or `quit` (it left). */
      readonly reason: NeighborDownReason
    }
  | {
      /** This iterator fell behind and `missed` events were dropped for it. */
      readonly type: 'lagged'
      /** How many events were dropped. */
      readonly missed: number
    }

/** The `received` event: a verified broadcast, its envelope opened. */
export type ReceivedEvent = Extract<GossipEvent, { type: 'received' }>
