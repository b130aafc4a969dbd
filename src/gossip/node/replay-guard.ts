/**
 * Replay-proof delivery: a genuine message reaches the application at most once.
 *
 * Two rules, both in the driver (the protocol core's seen-id set stays as it is: it
 * serves the broadcast trees, and its oldest-first eviction no longer matters for
 * delivery):
 *
 * 1. Acceptance window. Every envelope carries its author's signed timestamp. A GOSSIP
 *    whose timestamp is more than `maxAgeMs` (75 s) in the past or more than
 *    `maxFutureMs` (15 s) in the future of this node's wall clock is dropped before its
 *    signature is checked and before the core sees it (counted in `staleDropped`).
 * 2. Delivered ids are remembered for `maxAgeMs + maxFutureMs` (90 s) after delivery and
 *    are never evicted earlier: not by other authors, not by volume. When the set is
 *    full (`maxIds` in all, `maxIdsPerAuthor` per author), a new message is not
 *    delivered (counted in `deliveryRefused`) rather than an old id forgotten: the guard
 *    fails closed.
 *
 * So a message delivered at time t carried a timestamp ts <= t + maxFutureMs; a copy of
 * it is accepted by rule 1 only until ts + maxAgeMs <= t + 90 s, and until then rule 2
 * still holds its id. Time is passed in (`nowMs`, wall clock).
 */

/** Replay window and delivered-id caps (the `replayGuard` option of `createNode()`; see SECURITY.md). */
export interface ReplayGuardOptions {
  /** Oldest timestamp accepted, relative to now. @default 75_000 */
  readonly maxAgeMs: number
  /** Furthest-future timestamp accepted (clock skew). @default 15_000 */
  readonly maxFutureMs: number
  /** Delivered ids remembered in all. @default 100_000 */
  readonly maxIds: number
  /** Delivered ids remembered per author. @default 20_000 */
  readonly maxIdsPerAuthor: number
}

export const DEFAULT_REPLAY_GUARD_OPTIONS: Readonly<ReplayGuardOptions> = Object.freeze({
  maxAgeMs: 75_000,
  maxFutureMs: 15_000,
  maxIds: 100_000,
  maxIdsPerAuthor: 20_000,
})

export type DeliveryVerdict = 'deliver' | 'duplicate' | 'full'

export class ReplayGuard {
  readonly options: ReplayGuardOptions
  /** id -> [expiry, author], in delivery order (expiries are non-decreasing up to clock steps). */
  private readonly delivered = new Map<string, { readonly expiresAtMs: number; readonly author: string }>()
  private readonly perAuthor = new Map<string, number>()

  constructor(options: Partial<ReplayGuardOptions> = {}) {
    this.options = { ...DEFAULT_REPLAY_GUARD_OPTIONS, ...options }
  }

  get size(): number {
    return this.delivered.size
  }

  /** True if a message dated `timestampMs` may be accepted at `nowMs`. */
  inWindow(timestampMs: number, nowMs: number): boolean {
    return timestampMs >= nowMs - this.options.maxAgeMs && timestampMs <= nowMs + this.options.maxFutureMs
  }

  /** Decides whether message `id` by `author` reaches the application now; remembers it if so. */
  admit(id: string, author: string, nowMs: number): DeliveryVerdict {
    this.expire(nowMs)
    if (this.delivered.has(id)) return 'duplicate'
    const count = this.perAuthor.get(author) ?? 0
    if (this.delivered.size >= this.options.maxIds || count >= this.options.maxIdsPerAuthor) return 'full'
    this.delivered.set(id, { expiresAtMs: nowMs + this.options.maxAgeMs + this.options.maxFutureMs, author })
    this.perAuthor.set(author, count + 1)
    return 'deliver'
  }

  private expire(nowMs: number): void {
    for (const [id, entry] of this.delivered) {
      if (entry.expiresAtMs > nowMs) break
      this.delivered.delete(id)
      const left = (this.perAuthor.get(entry.author) ?? 1) - 1
      if (left <= 0) this.perAuthor.delete(entry.author)
      else this.perAuthor.set(entry.author, left)
    }
  }
}
