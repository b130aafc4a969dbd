/**
 * Binary min-heap of scheduled items ordered by (time, insertion sequence), so items
 * due at the same time run in the order they were scheduled (the simulator: one seed,
 * one order; the driver: its timer heap).
 */
export interface Scheduled {
  timeMs: number
  seq: number
}

export class EventHeap<T extends Scheduled> {
  private readonly items: T[] = []

  get size(): number {
    return this.items.length
  }

  clear(): void {
    this.items.length = 0
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const items = this.items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = items[parent] as T
      if (!before(item, p)) break
      items[i] = p
      i = parent
    }
    items[i] = item
  }

  pop(): T | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    let i = 0
    const n = items.length
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      if (right < n && before(items[right] as T, items[left] as T)) child = right
      const c = items[child] as T
      if (!before(c, last)) break
      items[i] = c
      i = child
    }
    items[i] = last
    return top
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq)
}
