/**
 * Per-author order: a topic's received broadcasts reach the application in the order
 * each author sent them, and the ones that will not come are reported, not skipped in
 * silence.
 *
 * Every broadcast to a whole swarm is numbered by its author (`stream`, `seq` in the
 * signed envelope). For each author this remembers the next number it expects. A
 * message with that number is delivered at once, followed by any held ones that now
 * continue the sequence. A message with a higher number waits (is held) until the
 * missing ones arrive, at most `holdMs`: then the missing ones are reported as a gap
 * (`missed` messages) and the held ones are delivered. The missing ones usually arrive
 * well within that time: through the broadcast tree's repair (IHAVE, GRAFT) in under a
 * second, or, after a partition heals or a neighbor comes back, through the catch-up
 * of recent messages, oldest first, within a few seconds.
 *
 * Not held: the first message heard from an author (nothing is known of what came
 * before), a message numbered below the expected one (one reported missing that came
 * after all, or history from before we first heard the author: delivered at once), and
 * unnumbered messages (to neighbors only). A message from a new stream of the author (it
 * restarted) with a newer timestamp starts the sequence anew; one from an older stream
 * is delivered at once.
 *
 * Caps (messages from the network): `maxHeldPerAuthor` and `maxHeld` held messages (a
 * full buffer releases the author's held messages early, with a gap), `maxAuthors`
 * authors remembered (the least recently heard forgotten first). Time is passed in.
 */

/** Limits of the per-author order buffer (the `authorOrder` option of `createNode()`). */
export interface AuthorOrderOptions {
  /** Longest a message waits for earlier ones of its author before they are reported missing. @default 10_000 */
  readonly holdMs: number
  /** Messages held for one author. @default 1_000 */
  readonly maxHeldPerAuthor: number
  /** Messages held in all, per topic. @default 10_000 */
  readonly maxHeld: number
  /** Authors whose next number is remembered, per topic (least recently heard forgotten first). @default 4_096 */
  readonly maxAuthors: number
}

/** Defaults of {@link AuthorOrderOptions}. */
export const DEFAULT_AUTHOR_ORDER_OPTIONS: Readonly<AuthorOrderOptions> = Object.freeze({
  holdMs: 10_000,
  maxHeldPerAuthor: 1_000,
  maxHeld: 10_000,
  maxAuthors: 4_096,
})

/** Where a message stands in its author's sequence. */
export interface Numbered {
  readonly author: string
  /** The author's stream (random per author process). */
  readonly stream: number
  /** Position in the stream (1, 2, …); 0 = not numbered. */
  readonly seq: number
  /** The author's signed send time (ms since the epoch). */
  readonly sentAtMs: number
}

/** What the buffer hands on: a message to deliver now, or a report of missing ones. */
export type Release<T> =
  | { readonly kind: 'deliver'; readonly item: T }
  | {
      readonly kind: 'gap'
      readonly author: string
      /** How many messages of the author did not arrive within `holdMs` (or did not fit the buffer). */
      readonly missed: number
    }

interface AuthorState<T> {
  stream: number
  /** The next number expected. */
  next: number
  /** Newest send time seen in this stream. */
  newestSentAtMs: number
  /** Held messages by number. */
  readonly held: Map<number, T>
  /** When the oldest missing message started being waited for (undefined: nothing held). */
  waitingSinceMs: number | undefined
}

/** Per-author order buffer of one topic. */
export class AuthorOrder<T extends Numbered> {
  readonly options: AuthorOrderOptions
  /** Authors, least recently heard first. */
  private readonly authors = new Map<string, AuthorState<T>>()
  /** Authors with held messages. */
  private readonly waiting = new Set<string>()
  private heldCount = 0

  constructor(options: Partial<AuthorOrderOptions> = {}) {
    this.options = { ...DEFAULT_AUTHOR_ORDER_OPTIONS, ...options }
  }

  /** Messages held now, all authors. */
  get held(): number {
    return this.heldCount
  }

  /** Authors remembered now. */
  get authorCount(): number {
    return this.authors.size
  }

  /** Takes a received message; returns what to hand on now, in order. */
  offer(item: T, nowMs: number): Release<T>[] {
    if (item.seq === 0) return [{ kind: 'deliver', item }]
    const state = this.authors.get(item.author)
    if (state === undefined) {
      this.remember(item.author, this.fresh(item))
      return [{ kind: 'deliver', item }]
    }
    this.authors.delete(item.author)
    this.authors.set(item.author, state)
    if (item.stream !== state.stream) {
      if (item.sentAtMs <= state.newestSentAtMs) return [{ kind: 'deliver', item }]
      // The author restarted: what is held of its old stream goes out first.
      const out = this.releaseAll(item.author, state, false)
      this.authors.set(item.author, this.fresh(item))
      out.push({ kind: 'deliver', item })
      return out
    }
    state.newestSentAtMs = Math.max(state.newestSentAtMs, item.sentAtMs)
    // Below the expected number: reported missing before, or from before we first heard the author.
    if (item.seq < state.next) return [{ kind: 'deliver', item }]
    if (state.held.has(item.seq)) return []
    if (item.seq === state.next) {
      state.next++
      const out: Release<T>[] = [{ kind: 'deliver', item }]
      this.releaseRun(item.author, state, out)
      return out
    }
    const out: Release<T>[] = []
    if (state.held.size >= this.options.maxHeldPerAuthor || this.heldCount >= this.options.maxHeld) {
      // Full: this author's held messages go out now, the missing ones reported.
      out.push(...this.releaseAll(item.author, state, true))
      if (item.seq <= state.next || this.heldCount >= this.options.maxHeld) {
        if (item.seq > state.next) out.push({ kind: 'gap', author: item.author, missed: item.seq - state.next })
        out.push({ kind: 'deliver', item })
        state.next = Math.max(state.next, item.seq + 1)
        return out
      }
    }
    state.held.set(item.seq, item)
    this.heldCount++
    if (state.waitingSinceMs === undefined) {
      state.waitingSinceMs = nowMs
      this.waiting.add(item.author)
    }
    return out
  }

  /** Releases the authors whose wait ran out by `nowMs`: a gap, then their held messages. */
  expire(nowMs: number): Release<T>[] {
    const out: Release<T>[] = []
    for (const author of [...this.waiting]) {
      const state = this.authors.get(author)
      if (state === undefined || state.waitingSinceMs === undefined) {
        this.waiting.delete(author)
        continue
      }
      if (nowMs - state.waitingSinceMs < this.options.holdMs) continue
      // Skip to the lowest held number, report what was skipped, deliver what follows.
      const lowest = Math.min(...state.held.keys())
      out.push({ kind: 'gap', author, missed: lowest - state.next })
      state.next = lowest
      this.releaseRun(author, state, out)
      if (state.held.size > 0) state.waitingSinceMs = nowMs
    }
    return out
  }

  /** When the next held message's wait runs out, or undefined if none is held. */
  nextDeadlineMs(): number | undefined {
    let earliest: number | undefined
    for (const author of this.waiting) {
      const since = this.authors.get(author)?.waitingSinceMs
      if (since !== undefined && (earliest === undefined || since < earliest)) earliest = since
    }
    return earliest === undefined ? undefined : earliest + this.options.holdMs
  }

  private fresh(item: T): AuthorState<T> {
    return { stream: item.stream, next: item.seq + 1, newestSentAtMs: item.sentAtMs, held: new Map(), waitingSinceMs: undefined }
  }

  private remember(author: string, state: AuthorState<T>): void {
    this.authors.set(author, state)
    if (this.authors.size <= this.options.maxAuthors) return
    // Forget the least recently heard author that holds nothing (one that holds
    // messages is kept: they are capped by maxHeld).
    for (const [oldest, old] of this.authors) {
      if (old.held.size > 0) continue
      this.authors.delete(oldest)
      return
    }
  }

  /** Delivers held messages that continue the sequence. */
  private releaseRun(author: string, state: AuthorState<T>, out: Release<T>[]): void {
    for (;;) {
      const next = state.held.get(state.next)
      if (next === undefined) break
      state.held.delete(state.next)
      this.heldCount--
      state.next++
      out.push({ kind: 'deliver', item: next })
    }
    if (state.held.size === 0) {
      state.waitingSinceMs = undefined
      this.waiting.delete(author)
    }
  }

  /** Delivers everything held for `author` in order, with a gap before each missing run if `reportGaps`. */
  private releaseAll(author: string, state: AuthorState<T>, reportGaps: boolean): Release<T>[] {
    const out: Release<T>[] = []
    for (const seq of [...state.held.keys()].sort((a, b) => a - b)) {
      if (reportGaps && seq > state.next) out.push({ kind: 'gap', author, missed: seq - state.next })
      out.push({ kind: 'deliver', item: state.held.get(seq) as T })
      state.next = seq + 1
    }
    this.heldCount -= state.held.size
    state.held.clear()
    state.waitingSinceMs = undefined
    this.waiting.delete(author)
    return out
  }
}
