/**
 * Keeps each author's chat lines in the order they were written. Every chat message
 * carries the author's sequence number (1, 2, 3, … per run of the chat). A message that
 * arrives ahead of a missing one (the swarm repaired a tree, say) is held until the
 * missing one comes, at most `waitMs`; then the held ones are released in order and the
 * gap is given up. A message older than one already shown is released at once (it is
 * late, not lost). The first message seen from an author sets where its order starts.
 */

/** How long a message waits for an earlier one of the same author. */
export const REORDER_WAIT_MS = 1_000
/** Messages held per author; more release the held ones at once. */
export const MAX_HELD_PER_AUTHOR = 64
/** Authors whose next sequence number is remembered (least recently heard forgotten). */
export const MAX_ORDERED_AUTHORS = 1_024

interface AuthorState<T> {
  next: number
  readonly held: Map<number, T>
  timer: ReturnType<typeof setTimeout> | undefined
}

export class AuthorOrder<T> {
  private readonly authors = new Map<string, AuthorState<T>>()

  constructor(
    private readonly release: (item: T) => void,
    private readonly waitMs = REORDER_WAIT_MS,
  ) {}

  /** Takes one message of `author` with sequence number `seq` (undefined: no order, released at once). */
  push(author: string, seq: number | undefined, item: T): void {
    if (seq === undefined) {
      this.release(item)
      return
    }
    const state = this.authors.get(author)
    if (state === undefined) {
      this.track(author, { next: seq + 1, held: new Map(), timer: undefined })
      this.release(item)
      return
    }
    this.track(author, state)
    if (seq < state.next) {
      this.release(item)
      return
    }
    if (seq > state.next) {
      state.held.set(seq, item)
      if (state.held.size > MAX_HELD_PER_AUTHOR) this.giveUp(state)
      else state.timer ??= setTimeout(() => this.giveUp(state), this.waitMs)
      return
    }
    state.next++
    this.release(item)
    this.drain(state)
  }

  /** This author's messages up to `seq` were shown some other way (the history): continue after it. */
  seen(author: string, seq: number): void {
    const state = this.authors.get(author)
    if (state === undefined) {
      this.track(author, { next: seq + 1, held: new Map(), timer: undefined })
      return
    }
    if (seq + 1 > state.next) {
      state.next = seq + 1
      this.drain(state)
    }
  }

  /** Releases everything held (at shutdown) and stops the timers. */
  close(): void {
    for (const state of this.authors.values()) this.giveUp(state)
    this.authors.clear()
  }

  private track(author: string, state: AuthorState<T>): void {
    this.authors.delete(author)
    this.authors.set(author, state)
    if (this.authors.size > MAX_ORDERED_AUTHORS) {
      const [oldest, old] = this.authors.entries().next().value as [string, AuthorState<T>]
      this.giveUp(old)
      this.authors.delete(oldest)
    }
  }

  /** Releases what follows `next` without a gap; stops the timer when nothing is held. */
  private drain(state: AuthorState<T>): void {
    for (;;) {
      const item = state.held.get(state.next)
      if (item === undefined) break
      state.held.delete(state.next)
      state.next++
      this.release(item)
    }
    // Messages from before `next` (given up or shown otherwise) are late: release them.
    for (const [seq, item] of [...state.held].sort((a, b) => a[0] - b[0])) {
      if (seq >= state.next) break
      state.held.delete(seq)
      this.release(item)
    }
    if (state.held.size === 0 && state.timer !== undefined) {
      clearTimeout(state.timer)
      state.timer = undefined
    }
  }

  /** The wait is over: release the held messages in order, skipping the gaps. */
  private giveUp(state: AuthorState<T>): void {
    if (state.timer !== undefined) clearTimeout(state.timer)
    state.timer = undefined
    const held = [...state.held].sort((a, b) => a[0] - b[0])
    state.held.clear()
    for (const [seq, item] of held) {
      if (seq >= state.next) state.next = seq + 1
      this.release(item)
    }
  }
}
