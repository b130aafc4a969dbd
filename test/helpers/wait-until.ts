/**
 * Waiting on a child process's event stream: `waitUntil` resolves once `probe` returns a
 * value, checked now and each time the stream wakes the waiters; it rejects when the
 * child is gone or after `timeoutMs`.
 */

/** What a wait needs from the thing it waits on. */
export interface Waitable {
  /** Called on every new event; a waiter adds itself while it waits. */
  readonly waiters: Set<() => void>
  /** False once the child exited. */
  readonly alive: boolean
}

/**
 * Resolves with the first defined result of `probe`; rejects with `gone()` once the
 * child exited first, or with `timedOut()` after `timeoutMs`.
 */
export function waitUntil<T>(
  target: Waitable,
  probe: () => T | undefined,
  timeoutMs: number,
  errors: { gone: () => Error; timedOut: () => Error },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = probe()
      if (found !== undefined) {
        done()
        resolve(found)
        return true
      }
      if (!target.alive) {
        done()
        reject(errors.gone())
        return true
      }
      return false
    }
    const timer = setTimeout(() => {
      done()
      reject(errors.timedOut())
    }, timeoutMs)
    const onEvent = (): void => {
      check()
    }
    const done = (): void => {
      clearTimeout(timer)
      target.waiters.delete(onEvent)
    }
    if (!check()) target.waiters.add(onEvent)
  })
}
