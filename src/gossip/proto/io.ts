/**
 * What goes into and comes out of the sans-IO core.
 *
 * The single entry point, `ProtocolState.handle(event, nowMs)`, takes one `InEvent` and
 * returns the `Action`s the driver must perform. Timers are opaque values: the driver
 * (or simulator) hands a `Timer` back in a `timer` event after `delayMs`; timers are
 * never cancelled, and every handler tolerates a stale one.
 */
import type { TopicMessage } from './messages.js'
import type { BroadcastScope, MessageId, PeerId, PeerInfo, TopicId } from './types.js'

/** Why a neighbor left the active view. */
export type NeighborDownReason =
  /** The peer sent DISCONNECT (it evicted us or left). */
  | 'disconnected'
  /** The connection failed or could not be opened. */
  | 'connectionLost'
  /** We evicted it to make room for another peer. */
  | 'evicted'
  /** We left the topic. */
  | 'quit'

/** Events a topic reports to the application. */
export type TopicEvent =
  | {
      readonly type: 'received'
      readonly id: MessageId
      readonly content: Uint8Array
      /** The neighbor that delivered the message to us. */
      readonly deliveredBy: PeerId
      /** Hops from the origin (1 = sent to us by the origin itself). */
      readonly hops: number
      readonly scope: BroadcastScope
    }
  | { readonly type: 'neighborUp'; readonly peer: PeerId }
  | { readonly type: 'neighborDown'; readonly peer: PeerId; readonly reason: NeighborDownReason }

/** Commands the application gives a topic. */
export type TopicCommand =
  /** Join the topic's swarm through these peers (may be empty: wait to be joined). */
  | { readonly type: 'join'; readonly peers: readonly PeerInfo[] }
  /** Broadcast `content`; `id` defaults to 32 random bytes from the seeded Rng. */
  | {
      readonly type: 'broadcast'
      readonly content: Uint8Array
      readonly scope?: BroadcastScope | undefined
      readonly id?: MessageId | undefined
    }
  /** Leave the topic: tell the neighbors and forget its state. */
  | { readonly type: 'quit' }

export type MembershipTimer =
  | { readonly kind: 'shuffle' }
  | { readonly kind: 'repair' }
  | { readonly kind: 'neighborTimeout'; readonly peer: PeerId; readonly requestId: number }

export type BroadcastTimer =
  | { readonly kind: 'graft'; readonly id: MessageId }
  | { readonly kind: 'ihaveDispatch' }

export type TopicTimer = MembershipTimer | BroadcastTimer

/** An opaque timer as handed to the driver. */
export interface Timer {
  readonly topic: TopicId
  readonly timer: TopicTimer
}

export type InEvent =
  /** A decoded message from a connected peer. */
  | { readonly type: 'message'; readonly from: PeerId; readonly topic: TopicId; readonly message: TopicMessage }
  /** A command from the application. */
  | { readonly type: 'command'; readonly topic: TopicId; readonly command: TopicCommand }
  /** A timer scheduled earlier has fired. */
  | { readonly type: 'timer'; readonly timer: Timer }
  /**
   * The connection to `peer` failed, dropped without a goodbye, or could not be opened.
   * A graceful close by the remote side (after its DISCONNECT) must not be reported:
   * the protocol messages already said what happened.
   */
  | { readonly type: 'peerDisconnected'; readonly peer: PeerId }
  /** Our own address data changed (sent inside JOIN, NEIGHBOR and SHUFFLE). */
  | { readonly type: 'localData'; readonly data: Uint8Array }

export type Action =
  /** Send `message` for `topic` to `to`, dialing it (with its known data) if needed. */
  | { readonly type: 'send'; readonly to: PeerId; readonly topic: TopicId; readonly message: TopicMessage }
  /** Deliver `timer` back in a `timer` event after `delayMs`. */
  | { readonly type: 'schedule'; readonly delayMs: number; readonly timer: Timer }
  /** Tell the application about something that happened in `topic`. */
  | { readonly type: 'emit'; readonly topic: TopicId; readonly event: TopicEvent }
  /** Address data learned for `peer`: remember it so `peer` can be dialed. */
  | { readonly type: 'peerData'; readonly peer: PeerId; readonly data: Uint8Array }
  /** No topic needs `peer` any more: close the connection once queued sends are flushed. */
  | { readonly type: 'disconnect'; readonly peer: PeerId }
