/**
 * A bounded queue behind one `events()` async iterator. When the consumer falls more
 * than `capacity` events behind, new events are dropped and counted; at that point in
 * the stream the consumer receives one `lagged` event with the number it missed. The
 * node never waits for a consumer, and memory stays bounded (capacity + 1 entries).
 */
type Entry<T> = { readonly item: T } | { missed: number }

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly entries: Entry<T>[] = []
  private queuedItems = 0
  private waiting: ((result: IteratorResult<T>) => void) | undefined
  private ended = false

  constructor(
    private readonly capacity: number,
    private readonly lagged: (missed: number) => T,
    private readonly onReturn: () => void = () => {},
  ) {}

  /** Queues `item`; drops it (and counts it) when the queue is full. */
  push(item: T): void {
    if (this.ended) return
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = undefined
      resolve({ value: item, done: false })
      return
    }
    if (this.queuedItems >= this.capacity) {
      const last = this.entries[this.entries.length - 1]
      if (last !== undefined && 'missed' in last) last.missed++
      else this.entries.push({ missed: 1 })
      return
    }
    this.entries.push({ item })
    this.queuedItems++
  }

  /** Ends the iteration once the queued events are consumed. */
  end(): void {
    this.ended = true
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = undefined
      resolve({ value: undefined, done: true })
    }
  }

  next(): Promise<IteratorResult<T>> {
    const entry = this.entries.shift()
    if (entry !== undefined) {
      if ('missed' in entry) return Promise.resolve({ value: this.lagged(entry.missed), done: false })
      this.queuedItems--
      return Promise.resolve({ value: entry.item, done: false })
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => {
      this.waiting = resolve
    })
  }

  return(): Promise<IteratorResult<T>> {
    this.entries.length = 0
    this.queuedItems = 0
    this.end()
    this.onReturn()
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this
  }
}
