/**
 * The driver's one timer heap: core timers ordered by deadline, with a single clock
 * timer armed for the earliest. Core timers are never cancelled (the core tolerates
 * stale ones), so the heap only grows by what the core schedules and shrinks as they fire.
 */
import type { Timer } from '../proto/io.js'
import { EventHeap } from './event-heap.js'
import type { Clock } from './virtual-clock.js'

interface Entry {
  timeMs: number
  seq: number
  readonly timer: Timer
}

export class TimerHeap {
  private readonly heap = new EventHeap<Entry>()
  private seq = 0
  private armedFor = Number.POSITIVE_INFINITY
  private handle: unknown
  private stopped = false

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (timers: Timer[]) => void,
  ) {}

  get size(): number {
    return this.heap.size
  }

  schedule(delayMs: number, timer: Timer): void {
    if (this.stopped) return
    this.heap.push({ timeMs: this.clock.now() + delayMs, seq: this.seq++, timer })
    this.arm()
  }

  stop(): void {
    this.stopped = true
    if (this.handle !== undefined) this.clock.clearTimer(this.handle)
    this.handle = undefined
    this.heap.clear()
  }

  private fire(): void {
    this.handle = undefined
    this.armedFor = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    const due: Timer[] = []
    for (let next = this.heap.peek(); next !== undefined && next.timeMs <= now; next = this.heap.peek()) {
      due.push(next.timer)
      this.heap.pop()
    }
    if (due.length > 0) this.onDue(due)
    this.arm()
  }

  private arm(): void {
    if (this.stopped) return
    const first = this.heap.peek()
    if (first === undefined || first.timeMs >= this.armedFor) return
    if (this.handle !== undefined) this.clock.clearTimer(this.handle)
    this.armedFor = first.timeMs
    this.handle = this.clock.setTimer(() => this.fire(), Math.max(0, first.timeMs - this.clock.now()))
  }
}
