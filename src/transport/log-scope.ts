/**
 * Per-connection log scopes that cost nothing while their logging is off.
 *
 * A @libp2p/logger scope builds two or three `debug` instances, each checking whether
 * stderr is a terminal, and the Noise library adds two scopes below ours for every
 * handshake: a tenth of a millisecond per connection that logs nothing unless DEBUG
 * names it. `connectionLog` returns the real scope when any of its namespaces (the
 * scope, `:error`, `:trace`) is enabled now, and otherwise a silent logger whose own
 * scopes are resolved the same way, so a DEBUG pattern that names only a sub-scope
 * still gets it.
 */
import type { Logger } from '@libp2p/interface'
import { enabled, logger } from '@libp2p/logger'

/** True when `name` or its error or trace namespace would print. */
function anyEnabled(name: string): boolean {
  return enabled(name) || enabled(`${name}:error`) || enabled(`${name}:trace`)
}

function silent(name: string): Logger {
  const noop = (): void => {}
  return Object.assign((): void => {}, {
    error: noop,
    trace: noop,
    enabled: false,
    newScope: (scope: string): Logger => connectionLog(name, scope),
  })
}

/** The logger `${parent}:${scope}`: the real one if it would print anything, else a silent one. */
export function connectionLog(parent: string, scope: string): Logger {
  const name = `${parent}:${scope}`
  return anyEnabled(name) ? logger(name) : silent(name)
}
