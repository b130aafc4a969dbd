/** Per-connection log scopes: silent (and cheap) while off, the real logger once DEBUG names them. */
import { afterEach, describe, expect, it } from 'vitest'
import { disable, enable } from '@libp2p/logger'
import { connectionLog } from '../../src/transport/log-scope.js'

const before = process.env.DEBUG

afterEach(() => {
  if (before === undefined || before === '') disable()
  else enable(before)
})

describe('connectionLog', () => {
  it('is silent, scopes included, when nothing names it', () => {
    disable()
    const log = connectionLog('hearsay:test:scope', '127.0.0.1:1')
    expect(log.enabled).toBe(false)
    expect(() => {
      log('nothing %s', 'printed')
      log.error('nor this')
      log.trace('nor this')
    }).not.toThrow()
    const sub = log.newScope('noise').newScope('xxhandshake')
    expect(sub.enabled).toBe(false)
  })

  it('is the real logger when DEBUG names it, its error namespace, or only a sub-scope', () => {
    enable('hearsay:test:scope:*')
    expect(connectionLog('hearsay:test:scope', '127.0.0.1:1').enabled).toBe(true)
    enable('hearsay:test:scope:127.0.0.1:1:error')
    const onlyErrors = connectionLog('hearsay:test:scope', '127.0.0.1:1')
    expect(onlyErrors.enabled).toBe(false)
    // The real logger: its error namespace prints.
    expect((onlyErrors.error as unknown as { enabled: boolean }).enabled).toBe(true)
    enable('*:xxhandshake')
    const parent = connectionLog('hearsay:test:scope', '127.0.0.1:2')
    expect(parent.enabled).toBe(false)
    expect(parent.newScope('noise').newScope('xxhandshake').enabled).toBe(true)
  })
})
