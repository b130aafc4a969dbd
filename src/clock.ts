/**
 * Monotonic time for every shell around the protocol core (the node driver, the
 * transport and its connections, mDNS, the API): each takes a `Clock`, so tests can
 * drive them with a virtual one (`VirtualClock` in `hearsay`) and nothing reads the
 * system time behind the clock's back. Imports nothing of hearsay's.
 */

/** Time as the node's timers see it (the `clock` option of `createNode()`). */
export interface Clock {
  /** Monotonic time in ms. */
  now(): number
  /** Calls `callback` once after `delayMs`; returns a handle for `clearTimer`. */
  setTimer(callback: () => void, delayMs: number): unknown
  /** Cancels a timer (a stale or unknown handle is ignored). */
  clearTimer(handle: unknown): void
}

/** The real clock: `performance.now()` and `setTimeout`. The default. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * Lets the process exit while the timer `handle` is pending, when the clock's timers can
 * keep it alive (the system clock's can; a virtual clock's cannot, and are left alone).
 * For housekeeping timers: keepalives, close and liveness checks.
 */
export function unrefTimer(handle: unknown): void {
  const timer = handle as { unref?: unknown } | null | undefined
  if (timer !== null && typeof timer === 'object' && typeof timer.unref === 'function') (timer as { unref(): void }).unref()
}

/**
 * Calls `callback` every `periodMs` on `clock` until the returned function is called
 * (each period is armed when the last one fired). `background` timers do not keep the
 * process alive.
 */
export function repeatTimer(clock: Clock, callback: () => void, periodMs: number, background = false): () => void {
  let handle: unknown
  let stopped = false
  const arm = (): void => {
    handle = clock.setTimer(() => {
      if (stopped) return
      arm()
      callback()
    }, periodMs)
    if (background) unrefTimer(handle)
  }
  arm()
  return () => {
    stopped = true
    clock.clearTimer(handle)
  }
}
