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
      /** A broadcast message was delivered to the application (once per id). */
      readonly type: 'received'
      /** The message id (unique per broadcast). */
      readonly id: MessageId
      /** The broadcast payload. */
      readonly content: Uint8Array
      /** The neighbor that delivered the message to us. */
      readonly deliveredBy: PeerId
      /** Hops from the origin (1 = sent to us by the origin itself). */
      readonly hops: number
      /** How far the sender asked the message to spread. */
      readonly scope: BroadcastScope
    }
  | {
      /** A peer joined the topic's active view. */
      readonly type: 'neighborUp'
      /** The new neighbor. */
      readonly peer: PeerId
    }
  | {
      /** A peer left the topic's active view. */
      readonly type: 'neighborDown'
      /** The neighbor that left. */
      readonly peer: PeerId
      /** Why it left. */
      readonly reason: NeighborDownReason
    }

/** Commands the application gives a topic. */
export type TopicCommand =
  /** Join the topic's swarm through these peers (may be empty: wait to be joined). */
  | {
      /** Join the topic. */
      readonly type: 'join'
      /** Contact peers to send JOIN to (also remembered for re-joining). */
      readonly peers: readonly PeerInfo[]
    }
  /** Broadcast `content`; `id` defaults to 32 random bytes from the seeded Rng. */
  | {
      /** Broadcast a message. */
      readonly type: 'broadcast'
      /** The payload; larger than `BroadcastConfig.maxMessageBytes` throws ERR_MESSAGE_TOO_LARGE. */
      readonly content: Uint8Array
      /** How far it spreads; `swarm` (the whole topic) when omitted. */
      readonly scope?: BroadcastScope | undefined
      /** The message id to use; 32 random bytes (64 hex chars) from the seeded Rng when omitted. */
      readonly id?: MessageId | undefined
    }
  /** Leave the topic: tell the neighbors and forget its state. */
  | {
      /** Leave the topic. */
      readonly type: 'quit'
    }

/** Timers of the HyParView membership layer. */
export type MembershipTimer =
  | {
      /** Periodic SHUFFLE, every `MembershipConfig.shuffleIntervalMs`. */
      readonly kind: 'shuffle'
    }
  | {
      /** Periodic repair check, every `MembershipConfig.repairIntervalMs`. */
      readonly kind: 'repair'
    }
  | {
      /** Ask the passive peers that refused a LOW request again (`MembershipConfig.refillRetryMs`). */
      readonly kind: 'refillRetry'
    }
  | {
      /** A NEIGHBOR (or JOIN) request went unanswered for `MembershipConfig.neighborRequestTimeoutMs`. */
      readonly kind: 'neighborTimeout'
      /** The peer the request was sent to. */
      readonly peer: PeerId
      /** The request it times out; a stale timer (the request was answered or replaced) is ignored. */
      readonly requestId: number
    }

/** Timers of the Plumtree broadcast layer. */
export type BroadcastTimer =
  | {
      /** The graft wait for a missing message ran out: GRAFT the next announcer. */
      readonly kind: 'graft'
      /** The missing message announced by IHAVE. */
      readonly id: MessageId
    }
  | {
      /** Send the batched IHAVE announcements, every `BroadcastConfig.ihaveDispatchMs`. */
      readonly kind: 'ihaveDispatch'
    }

/** Any timer of one topic's membership or broadcast layer. */
export type TopicTimer = MembershipTimer | BroadcastTimer

/** An opaque timer as handed to the driver. */
export interface Timer {
  /** The topic that scheduled the timer. */
  readonly topic: TopicId
  /** The topic-level timer, handed back to that topic when it fires. */
  readonly timer: TopicTimer
}

/** Everything the driver feeds into `ProtocolState.handle`. */
export type InEvent =
  /** A decoded message from a connected peer. */
  | {
      /** A message arrived. */
      readonly type: 'message'
      /** The peer that sent it. */
      readonly from: PeerId
      /** The topic it belongs to. */
      readonly topic: TopicId
      /** The decoded message. */
      readonly message: TopicMessage
    }
  /** A command from the application. */
  | {
      /** The application issued a command. */
      readonly type: 'command'
      /** The topic the command is for (a `join` creates it). */
      readonly topic: TopicId
      /** The command. */
      readonly command: TopicCommand
    }
  /** A timer scheduled earlier has fired. */
  | {
      /** A timer fired. */
      readonly type: 'timer'
      /** The timer exactly as it was scheduled. */
      readonly timer: Timer
    }
  /**
   * The connection to `peer` failed, dropped without a goodbye, or could not be opened.
   * A graceful close by the remote side (after its DISCONNECT) must not be reported:
   * the protocol messages already said what happened.
   */
  | {
      /** The connection to a peer was lost. */
      readonly type: 'peerDisconnected'
      /** The peer whose connection failed. */
      readonly peer: PeerId
    }
  /** Our own address data changed (sent inside JOIN, NEIGHBOR and SHUFFLE). */
  | {
      /** Our address data changed. */
      readonly type: 'localData'
      /** The new opaque address data. */
      readonly data: Uint8Array
    }

/** What the driver must do in response to an event, in order. */
export type Action =
  /** Send `message` for `topic` to `to`, dialing it (with its known data) if needed. */
  | {
      /** Send a message. */
      readonly type: 'send'
      /** The receiving peer. */
      readonly to: PeerId
      /** The topic the message belongs to. */
      readonly topic: TopicId
      /** The message to encode and send. */
      readonly message: TopicMessage
    }
  /** Deliver `timer` back in a `timer` event after `delayMs`. */
  | {
      /** Schedule a timer. */
      readonly type: 'schedule'
      /** Delay in milliseconds before the timer fires. */
      readonly delayMs: number
      /** The timer to hand back when it fires. */
      readonly timer: Timer
    }
  /** Tell the application about something that happened in `topic`. */
  | {
      /** Report an event to the application. */
      readonly type: 'emit'
      /** The topic it happened in. */
      readonly topic: TopicId
      /** The event. */
      readonly event: TopicEvent
    }
  /** Address data learned for `peer`: remember it so `peer` can be dialed. */
  | {
      /** Remember a peer's address data. */
      readonly type: 'peerData'
      /** The peer. */
      readonly peer: PeerId
      /** Its opaque address data. */
      readonly data: Uint8Array
    }
  /** No topic needs `peer` any more: close the connection once queued sends are flushed. */
  | {
      /** Close a connection. */
      readonly type: 'disconnect'
      /** The peer to disconnect from. */
      readonly peer: PeerId
    }
