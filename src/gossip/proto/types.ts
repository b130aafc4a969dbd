/**
 * Identifiers and small value types shared by every part of the protocol core.
 *
 * The core is transport-agnostic: a peer id is an opaque string (the driver uses the
 * lower-case hex of the 32-byte Ed25519 public key; the simulator uses short decimal
 * strings). Topic and message ids are lower-case hex strings of 32 bytes so they can be
 * used directly as map keys; the wire codec turns them back into bytes.
 */

/** Opaque peer identifier. In a real node: 64 lower-case hex chars (Ed25519 public key). */
export type PeerId = string

/** 32-byte topic id as 64 lower-case hex chars. */
export type TopicId = string

/** 32-byte broadcast message id as 64 lower-case hex chars. Unique per broadcast. */
export type MessageId = string

/**
 * A peer as HyParView passes it around: its id plus opaque address data that lets the
 * driver dial it (the core never interprets `data`).
 */
export interface PeerInfo {
  /** The peer's id. */
  readonly id: PeerId
  /** Opaque address data for dialing the peer, if known. */
  readonly data?: Uint8Array | undefined
}

/** How far a broadcast spreads. */
export type BroadcastScope = 'swarm' | 'neighbors'

/** A read-only view of a set of peers (an active view), live: it changes with the state. */
export interface PeerView extends Iterable<PeerId> {
  /** Number of peers. */
  readonly size: number
  /** Is `peer` in the view? */
  has(peer: PeerId): boolean
}
