/** 'host:port' parsing and formatting. */
import { describe, expect, it } from 'vitest'
import { formatAddress, parseAddress } from '../../src/transport/address.js'

describe('address', () => {
  it('parses IPv4, bracketed IPv6 and host names', () => {
    expect(parseAddress('127.0.0.1:4000')).toEqual({ host: '127.0.0.1', port: 4000 })
    expect(parseAddress('[::1]:0')).toEqual({ host: '::1', port: 0 })
    expect(parseAddress('localhost:65535')).toEqual({ host: 'localhost', port: 65535 })
  })

  it('rejects malformed addresses with ERR_INVALID_ADDRESS', () => {
    for (const bad of ['', '127.0.0.1', '::1:4000', '[::1]4000', '[nope]:1', 'host:', 'host:65536', 'host:-1', 'a b:1', '1.2.3.4:0x10']) {
      expect(() => parseAddress(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }))
    }
  })

  it('formats back to the same string', () => {
    expect(formatAddress('::1', 4000)).toBe('[::1]:4000')
    expect(formatAddress('127.0.0.1', 4000)).toBe('127.0.0.1:4000')
  })
})
