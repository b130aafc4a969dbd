/**
 * Bounds the dials a node runs at once; the rest wait their turn, first come first
 * served. Each dial is a TCP connect plus a Noise handshake (several ms of CPU): with
 * hundreds started at once (a swarm joining, many nodes in one process) the event loop
 * lags past protocol timeouts, requests are retried with more dials, and membership
 * collapses. A dial that waits here is not a failed one: nothing reports the peer as
 * unreachable until its own dial has run and failed.
 */
import type { PeerId } from '../proto/types.js'

/** Default for {@link DialQueue}'s concurrency: dials in flight at once. */
export const DEFAULT_MAX_CONCURRENT_DIALS = 16

export class DialQueue {
  private inFlight = 0
  /** Peers waiting for a dial slot -> how to dial them, oldest first; each at most once. */
  private readonly waiting = new Map<PeerId, () => Promise<unknown>>()

  /** @param maxConcurrent dials in flight at once */
  constructor(private readonly maxConcurrent: number) {}

  /** Dials in flight now. */
  get active(): number {
    return this.inFlight
  }

  /** Peers waiting for a slot now. */
  get queued(): number {
    return this.waiting.size
  }

  /**
   * Runs `dial` (the dial of `peer`; its promise settles when the dial ends) now if a
   * slot is free, else when one frees up. A peer already waiting keeps its place.
   */
  enqueue(peer: PeerId, dial: () => Promise<unknown>): void {
    if (this.inFlight < this.maxConcurrent) this.start(dial)
    else if (!this.waiting.has(peer)) this.waiting.set(peer, dial)
  }

  /** Drops a waiting dial (its entries were dropped, or the node stops). */
  cancel(peer: PeerId): void {
    this.waiting.delete(peer)
  }

  private start(dial: () => Promise<unknown>): void {
    this.inFlight++
    const done = (): void => {
      this.inFlight--
      this.next()
    }
    dial().then(done, done)
  }

  private next(): void {
    for (const [peer, dial] of this.waiting) {
      if (this.inFlight >= this.maxConcurrent) return
      this.waiting.delete(peer)
      this.start(dial)
    }
  }
}
