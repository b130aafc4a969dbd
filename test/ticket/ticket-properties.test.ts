/**
 * Property tests: any valid ticket round-trips at its exact predicted size; random
 * text and random mutations of valid tickets only ever throw TicketError; and any
 * string that parses is the one canonical encoding of what it holds.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { base32Decode } from '../../src/ticket/base32.js'
import { TicketError } from '../../src/ticket/errors.js'
import { TICKET_PREFIX, encodeTicket, parseTicket } from '../../src/ticket/index.js'
import type { Ticket } from '../../src/ticket/index.js'
import { wrapTicketBody } from '../../src/ticket/ticket.js'
import { nodeId } from './helpers.js'

/** Fixed seed so CI runs are reproducible; set FC_SEED to explore other inputs. */
const SEED = Number(process.env['FC_SEED'] ?? 20_240_611)

const ID_POOL = Array.from({ length: 48 }, (_, i) => nodeId(1000 + i))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Canonical text by an independent oracle: the WHATWG URL host serialiser. */
const ipv6Text = (bytes: Uint8Array): string => new URL(`http://[${[...Array(8).keys()].map((i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':')}]/`).hostname

const port = fc.integer({ min: 1, max: 65535 })
const ipv4Addr = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), port)
  .filter(([ip]) => ip.some((b) => b !== 0))
  .map(([ip, p]) => `${Array.from(ip).join('.')}:${p}`)
const ipv6Addr = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 16 }), port)
  .map(([ip, zeros, p]) => {
    ip.fill(0, 16 - zeros) // bias towards zero runs, '::' forms
    return { ip, p }
  })
  .filter(({ ip }) => ip.some((b) => b !== 0))
  .map(({ ip, p }) => `${ipv6Text(ip)}:${p}`)
const peer = (id: string): fc.Arbitrary<{ id: string; addrs: string[] }> =>
  fc.uniqueArray(fc.oneof(ipv4Addr, ipv6Addr), { minLength: 1, maxLength: 8 }).map((addrs) => ({ id, addrs }))
const ticketArb: fc.Arbitrary<Ticket> = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uniqueArray(fc.constantFrom(...ID_POOL), { maxLength: 16 }))
  .chain(([topic, ids]) => fc.tuple(fc.constant(hex(topic)), fc.tuple(...ids.map(peer))))
  .map(([topic, peers]) => ({ topic, peers }))

/** parseTicket must either succeed or throw a TicketError; returns the result or the error code. */
function parseOrCode(text: string): Ticket | string {
  try {
    return parseTicket(text)
  } catch (err) {
    if (!(err instanceof TicketError)) throw new Error(`parseTicket threw a non-TicketError for ${JSON.stringify(text)}`, { cause: err })
    return err.code
  }
}

/** A parsed ticket re-encodes to exactly the (trimmed) text it came from. */
function expectCanonical(text: string): void {
  const result = parseOrCode(text)
  if (typeof result !== 'string') expect(encodeTicket(result)).toBe(text.trim())
}

describe('ticket properties', () => {
  it('round-trips any valid ticket, at its exact predicted size', () => {
    fc.assert(
      fc.property(ticketArb, (ticket) => {
        const text = encodeTicket(ticket)
        expect(parseTicket(text)).toEqual(ticket)
        const bodyBytes = 1 + 32 + 1 + ticket.peers.reduce((n, p) => n + 32 + 1 + p.addrs.reduce((m, a) => m + (a.startsWith('[') ? 19 : 7), 0), 0)
        expect(text).toHaveLength(TICKET_PREFIX.length + Math.ceil(((bodyBytes + 4) * 8) / 5))
        expect(text).toMatch(/^hearsay1[a-z2-7]+$/)
      }),
      { numRuns: 200, seed: SEED },
    )
  })

  it('random strings only ever throw TicketError', () => {
    const base32ish = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567018A=- \n'), maxLength: 300 })
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), base32ish, base32ish.map((s) => TICKET_PREFIX + s)), (text) => {
        expectCanonical(text)
      }),
      { numRuns: 2000, seed: SEED },
    )
  })

  it('character mutations of valid tickets only ever throw TicketError', () => {
    const mutation = fc.record({
      kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate', 'swap'),
      at: fc.nat(),
      char: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567Z0 '),
    })
    fc.assert(
      fc.property(ticketArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (ticket, mutations) => {
        let text = encodeTicket(ticket)
        for (const { kind, at, char } of mutations) {
          const i = at % (text.length + 1)
          if (kind === 'replace') text = text.slice(0, i) + char + text.slice(i + 1)
          else if (kind === 'insert') text = text.slice(0, i) + char + text.slice(i)
          else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1)
          else if (kind === 'truncate') text = text.slice(0, i)
          else text = text.slice(0, i) + text.slice(i + 1, i + 2) + text.slice(i, i + 1) + text.slice(i + 2)
        }
        expectCanonical(text)
      }),
      { numRuns: 1000, seed: SEED },
    )
  })

  it('byte mutations under a valid checksum only ever throw TicketError', () => {
    const mutation = fc.record({ kind: fc.constantFrom('set', 'insert', 'delete', 'truncate'), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 4, 6, 8, 16, 17, 255), fc.integer({ min: 0, max: 255 })) })
    const seen = new Map<string, number>()
    fc.assert(
      fc.property(ticketArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (ticket, mutations) => {
        const text = encodeTicket(ticket)
        const all = base32Decode(text.slice(TICKET_PREFIX.length))
        let body = Array.from(all.subarray(0, all.length - 4))
        for (const { kind, at, value } of mutations) {
          const i = at % (body.length + 1)
          if (kind === 'set') body[i] = value
          else if (kind === 'insert') body.splice(i, 0, value)
          else if (kind === 'delete') body.splice(i, 1)
          else body = body.slice(0, i)
        }
        const crafted = wrapTicketBody(Uint8Array.from(body))
        const result = parseOrCode(crafted)
        const code = typeof result === 'string' ? result : 'ok'
        seen.set(code, (seen.get(code) ?? 0) + 1)
        if (typeof result !== 'string') expect(encodeTicket(result)).toBe(crafted)
      }),
      { numRuns: 3000, seed: SEED },
    )
    // The mutations reach deep into the decoder, not just its first check.
    for (const code of ['ERR_TICKET_VERSION', 'ERR_TICKET_TRUNCATED', 'ERR_TICKET_TRAILING_BYTES', 'ERR_INVALID_NODE_ADDRESS']) {
      expect(seen.get(code) ?? 0, `${code} in ${JSON.stringify([...seen])}`).toBeGreaterThan(0)
    }
  })
})
