/** Node ids, socket addresses and node-address validation. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { TicketError } from '../../src/ticket/errors.js'
import { formatIp, ipToBytes } from '../../src/ticket/ip-bytes.js'
import { MAX_ADDRS_PER_PEER, canonicalAddress, isNodeId, validateNodeAddr, validateNodeId } from '../../src/ticket/node-addr.js'
import { NOT_A_POINT, nodeId } from './helpers.js'

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (err) {
    expect(err).toBeInstanceOf(TicketError)
    return (err as TicketError).code
  }
}

describe('node ids', () => {
  it('accepts Ed25519 public keys in lower-case hex', () => {
    expect(isNodeId(nodeId(1))).toBe(true)
    expect(validateNodeId(nodeId(2))).toBe(nodeId(2))
  })

  it('rejects upper case, wrong length, non-strings and non-points', () => {
    expect(isNodeId(NOT_A_POINT)).toBe(false)
    expect(() => validateNodeId(NOT_A_POINT)).toThrow(/is not an Ed25519 public key/)
    expect(() => validateNodeId(nodeId(1).toUpperCase())).toThrow(/\(use lower case\)/)
    expect(codeOf(() => validateNodeId(nodeId(1).slice(2)))).toBe('ERR_INVALID_NODE_ID')
    expect(codeOf(() => validateNodeId(7))).toBe('ERR_INVALID_NODE_ID')
  })
})

describe('canonicalAddress', () => {
  it('keeps canonical IPv4 and IPv6 addresses', () => {
    for (const a of ['127.0.0.1:4000', '10.200.0.1:1', '255.255.255.255:65535', '[::1]:4000', '[2001:db8::1]:80', '[fe80::1:0:0:1]:9']) {
      expect(canonicalAddress(a)).toBe(a)
    }
  })

  it('canonicalises IPv6 per RFC 5952', () => {
    expect(canonicalAddress('[0:0:0:0:0:0:0:1]:4000')).toBe('[::1]:4000')
    expect(canonicalAddress('[2001:DB8:0:0:1:0:0:1]:1')).toBe('[2001:db8::1:0:0:1]:1')
    expect(canonicalAddress('[2001:db8:0:0:0:1:0:0]:1')).toBe('[2001:db8::1:0:0]:1')
    expect(canonicalAddress('[2001:db8:0:1:1:1:1:1]:1')).toBe('[2001:db8:0:1:1:1:1:1]:1')
    expect(canonicalAddress('[::ffff:10.0.0.1]:5')).toBe('[::ffff:a00:1]:5')
    expect(canonicalAddress('[1::]:5')).toBe('[1::]:5')
  })

  it('formats IPv6 exactly as the WHATWG URL serialiser does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 8 }), (bytes, zeroRun) => {
        bytes.fill(0, 0, zeroRun * 2) // bias towards zero runs
        const text = formatIp(bytes)
        expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1))
        expect(ipToBytes(text)).toEqual(bytes)
      }),
      { numRuns: 500, seed: 7 },
    )
  })

  it('rejects anything not dialable', () => {
    const bad = [
      'localhost:4000', // host name
      'example.com:80',
      '127.0.0.1', // no port
      '127.0.0.1:0', // port 0
      '127.0.0.1:65536',
      '0.0.0.0:4000', // unspecified
      '[::]:4000',
      '::1:4000', // IPv6 without brackets
      '[fe80::1%eth0]:4000', // zone id
      '01.2.3.4:5',
      ' 1.2.3.4:5',
      '',
    ]
    for (const a of bad) expect([a, codeOf(() => canonicalAddress(a))]).toEqual([a, 'ERR_INVALID_NODE_ADDRESS'])
    expect(() => canonicalAddress('0.0.0.0:4000')).toThrow(/unspecified address/)
    expect(() => canonicalAddress('localhost:1')).toThrow(/host names are not allowed/)
  })
})

describe('validateNodeAddr', () => {
  it('returns a canonical copy', () => {
    const input = { id: nodeId(1), addrs: ['[0::1]:4000', '192.168.1.7:4000'] }
    expect(validateNodeAddr(input)).toEqual({ id: nodeId(1), addrs: ['[::1]:4000', '192.168.1.7:4000'] })
  })

  it('names each problem', () => {
    const addrs = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:4000`)
    expect(codeOf(() => validateNodeAddr({ id: nodeId(1), addrs: [] }))).toBe('ERR_NO_ADDRESSES')
    expect(codeOf(() => validateNodeAddr({ id: nodeId(1) }))).toBe('ERR_NO_ADDRESSES')
    expect(codeOf(() => validateNodeAddr({ id: nodeId(1), addrs: addrs(MAX_ADDRS_PER_PEER) }))).toBe('ok')
    expect(codeOf(() => validateNodeAddr({ id: nodeId(1), addrs: addrs(MAX_ADDRS_PER_PEER + 1) }))).toBe('ERR_TOO_MANY_ADDRESSES')
    expect(codeOf(() => validateNodeAddr({ id: nodeId(1), addrs: ['[::1]:1', '[0::1]:1'] }))).toBe('ERR_DUPLICATE_ADDRESS')
    expect(codeOf(() => validateNodeAddr({ id: 'abc', addrs: addrs(1) }))).toBe('ERR_INVALID_NODE_ID')
    expect(codeOf(() => validateNodeAddr(null))).toBe('ERR_INVALID_NODE_ID')
    expect(codeOf(() => validateNodeAddr({ id: nodeId(1), addrs: [42] }))).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(() => validateNodeAddr({ id: nodeId(1), addrs: ['x:1'] }, 'peer 3')).toThrow(/^peer 3: address "x:1": host names/)
  })
})
