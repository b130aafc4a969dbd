/** Lower-case unpadded base32: RFC 4648 vectors and strict decoding. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { base32Decode, base32Encode, base32Length } from '../../src/ticket/base32.js'
import { TicketError } from '../../src/ticket/errors.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('base32', () => {
  it('matches the RFC 4648 test vectors (lower case, no padding)', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ]
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(text(plain))).toBe(encoded)
      expect(base32Decode(encoded)).toEqual(text(plain))
      expect(base32Length(plain.length)).toBe(encoded.length)
    }
  })

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(base32Decode(base32Encode(bytes))).toEqual(bytes)
      }),
      { seed: 5 },
    )
  })

  it('rejects characters outside a-z2-7 with their position', () => {
    const code = (s: string): string => (() => {
      try {
        base32Decode(s, 8)
        return 'ok'
      } catch (err) {
        expect(err).toBeInstanceOf(TicketError)
        return `${(err as TicketError).code} ${(err as TicketError).message}`
      }
    })()
    expect(code('mzXq')).toMatch(/^ERR_TICKET_CHARACTERS .*"X" at position 10 \(tickets are lower case\)/)
    expect(code('mz1q')).toMatch(/^ERR_TICKET_CHARACTERS .*"1" at position 10 \(0, 1 and 8/)
    expect(code('mzxq=')).toMatch(/^ERR_TICKET_CHARACTERS .*"="/)
  })

  it('rejects impossible lengths and non-zero padding bits', () => {
    for (const s of ['m', 'mzx', 'mzxw6y']) expect(() => base32Decode(s)).toThrow(expect.objectContaining({ code: 'ERR_TICKET_ENCODING' }))
    // 'mz' is 'f'; 'mb' has the same first byte bits but non-zero trailing bits.
    expect(() => base32Decode('mz')).toThrow(expect.objectContaining({ code: 'ERR_TICKET_ENCODING' }))
    expect(base32Decode('my')).toEqual(text('f'))
  })
})
