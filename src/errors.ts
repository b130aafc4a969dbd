/**
 * One error base class for the whole library. Every error hearsay throws on purpose
 * carries a stable `code` string that callers can switch on; messages are for humans.
 */
export class HearsayError extends Error {
  /** Stable error code (`ERR_...`) to switch on; the message is for humans. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Invalid configuration passed by the caller; `field` names the option (e.g. `broadcast.maxSeenIds`). */
export class ConfigError extends HearsayError {
  /** The option at fault, as a path in the options object (`transportOptions.maxFrameBytes`); empty when not one field. */
  readonly field: string

  constructor(message: string, field = '') {
    super('ERR_INVALID_CONFIG', message)
    this.field = field
  }
}

/** A broken invariant inside the protocol core: always a bug. */
export class InvariantError extends HearsayError {
  constructor(message: string) {
    super('ERR_INVARIANT', message)
  }
}
