/**
 * The virtual clock for tests: `VirtualClock` is advanced by hand, so driver, transport
 * and API tests run deterministically without waiting. The `Clock` interface and the
 * system clock live in src/clock.ts.
 */
import { EventHeap } from './event-heap.js'

import type { Clock } from '../../clock.js'

export { systemClock, type Clock } from '../../clock.js'

interface VirtualTimer {
  timeMs: number
  seq: number
  readonly callback: () => void
  cancelled: boolean
}

/** A clock that only moves when `advance()` is called. */
export class VirtualClock implements Clock {
  private nowMs = 0
  private seq = 0
  private readonly timers = new EventHeap<VirtualTimer>()

  /** Current virtual time in ms (starts at 0). */
  now(): number {
    return this.nowMs
  }

  /** Schedules `callback` at now + `delayMs` of virtual time. */
  setTimer(callback: () => void, delayMs: number): unknown {
    const timer: VirtualTimer = { timeMs: this.nowMs + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false }
    this.timers.push(timer)
    return timer
  }

  /** Cancels a scheduled timer. */
  clearTimer(handle: unknown): void {
    ;(handle as VirtualTimer).cancelled = true
  }

  /** Moves time forward by `ms`, firing due timers in order (at most `maxTimers`). */
  advance(ms: number, maxTimers = 1_000_000): void {
    const target = this.nowMs + ms
    for (let fired = 0; fired < maxTimers; ) {
      const next = this.timers.peek()
      if (next === undefined || next.timeMs > target) break
      this.timers.pop()
      if (next.cancelled) continue
      fired++
      this.nowMs = next.timeMs
      next.callback()
    }
    this.nowMs = target
  }
}
