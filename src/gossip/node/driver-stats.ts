/**
 * The node driver's counters, in a module of their own so that the public types
 * (`NodeStats`) do not pull the driver's dependencies into the shipped declarations.
 */
/** The node driver's counters (part of `node.stats()`). */
export interface DriverStats {
  /** Frames received from peers. */
  framesReceived: number
  /** Frames sent to peers. */
  framesSent: number
  /** GOSSIP refused: malformed envelope, id not the hash of the content, or bad signature. */
  forgedDropped: number
  /** Frames a peer sent that the wire decoder rejected (each closed that connection). */
  badFrames: number
  /** Frames not sent because a connection's send queue was full. */
  sendQueueFull: number
  /** Entries dropped because a dial queue was full. */
  dialQueueFull: number
  /** Dials that failed (unreachable address, handshake failure, wrong key). */
  dialsFailed: number
  /** Links closed because no topic used them for `unusedLinkTimeoutMs` (e.g. a peer that never joins a topic). */
  unusedLinksClosed: number
  /** GOSSIP dropped because its signed timestamp is outside the acceptance window (before any signature check). */
  staleDropped: number
  /** Messages not delivered again: their id was delivered within the replay window. */
  replaysSuppressed: number
  /** Messages not delivered because the replay guard was full (it fails closed). */
  deliveryRefused: number
  /** Gap events: runs of an author's messages that did not arrive in time to be delivered in order. */
  authorGaps: number
  /** GOSSIP dropped, before any signature check, because its sender was over its verification budget. */
  verifyBudgetDropped: number
  /** Peers disconnected for staying over their verification budget past the grace. */
  verifyBudgetDisconnects: number
  /** Network-learned addresses refused by the address policy (host names, unspecified, multicast, ...). */
  learnedAddrsRefused: number
  /** Dials to network-learned peers deferred by the dial budget. */
  dialsDeferred: number
  /** Dials to network-learned peers refused (budget, in-flight cap, addresses backing off). */
  dialsRefused: number
  /** Network-learned peers forgotten after repeated failed dials. */
  learnedPeersForgotten: number
  /** Neighbors disconnected for naming too many undialable peers. */
  badInformantsDropped: number
  /**
   * Genuine messages signed with this node's own key that this node never sent: another
   * process uses the same key (each copy then misses messages). Logged as an error.
   */
  ownKeyInUseElsewhere: number
  /** Our own messages dropped because they could not be encoded (a bug or a misconfiguration); the rest of their batch is sent. */
  unencodableDropped: number
}
