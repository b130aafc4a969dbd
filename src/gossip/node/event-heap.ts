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
  /*
   * Each item's (timeMs, seq) copied at push, in arrays parallel to `items`: the sift
   * loops compare plain numbers instead of reading fields of items of many shapes (the
   * simulator's events), which V8 cannot inline.
   */
  private readonly times: number[] = []
  private readonly seqs: number[] = []

  get size(): number {
    return this.items.length
  }

  clear(): void {
    this.items.length = 0
    this.times.length = 0
    this.seqs.length = 0
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const { items, times, seqs } = this
    const timeMs = item.timeMs
    const seq = item.seq
    items.push(item)
    times.push(timeMs)
    seqs.push(seq)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent] as number
      if (!(timeMs < pt || (timeMs === pt && seq < (seqs[parent] as number)))) break
      items[i] = items[parent] as T
      times[i] = pt
      seqs[i] = seqs[parent] as number
      i = parent
    }
    items[i] = item
    times[i] = timeMs
    seqs[i] = seq
  }

  pop(): T | undefined {
    const { items, times, seqs } = this
    const top = items[0]
    const last = items.pop()
    const lastTime = times.pop() as number
    const lastSeq = seqs.pop() as number
    if (top === undefined || last === undefined || items.length === 0) return top
    let i = 0
    const n = items.length
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      let ct = times[left] as number
      let cs = seqs[left] as number
      if (right < n) {
        const rt = times[right] as number
        const rs = seqs[right] as number
        if (rt < ct || (rt === ct && rs < cs)) {
          child = right
          ct = rt
          cs = rs
        }
      }
      if (!(ct < lastTime || (ct === lastTime && cs < lastSeq))) break
      items[i] = items[child] as T
      times[i] = ct
      seqs[i] = cs
      i = child
    }
    items[i] = last
    times[i] = lastTime
    seqs[i] = lastSeq
    return top
  }
}
