/** Ticket encoding: golden strings, exact sizes, round trips and every parse error. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode } from '../../src/ticket/base32.js'
import { MAX_TICKET_BODY_BYTES } from '../../src/ticket/codec.js'
import { TicketError } from '../../src/ticket/errors.js'
import {
  MAX_ADDRS_PER_PEER,
  MAX_TICKET_CHARS,
  MAX_TICKET_PEERS,
  TICKET_PREFIX,
  encodeTicket,
  parseTicket,
  topicIdFromName,
} from '../../src/ticket/index.js'
import { wrapTicketBody } from '../../src/ticket/ticket.js'
import { NOT_A_POINT, nodeId } from './helpers.js'

const TOPIC = topicIdFromName('golden')
const GOLDEN_INPUT = {
  topic: TOPIC,
  peers: [
    { id: nodeId(1), addrs: ['192.168.1.7:4000', '[fd00::7]:4000'] },
    { id: nodeId(2), addrs: ['10.0.0.2:4001'] },
  ],
}
const GOLDEN =
  'hearsay1ags7zjlbjzfolzpvw4rm4l3vdzraxyvmldebx3qoy6uwhmlmc2cycavr7acnvpdie5gbem4zlrnjcgnvne23zxmdw7pap3dsnxhnytu444bajqfiaedq7iag7uaaaaaaaaaaaaaaaaaaaaaaa4h2a2qpniudvdsoq3jkhvqo7hrx5qz7fk3aogrq4csho42rfdtvohvqaecauaaaaih2c7n557za'

const hex = (h: string): number[] => Array.from(Buffer.from(h, 'hex'))
const checksum = (body: number[]): number[] => Array.from(createHash('sha256').update(Uint8Array.from(body)).digest().subarray(0, 4))

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (err) {
    expect(err).toBeInstanceOf(TicketError)
    return (err as TicketError).code
  }
}

/** A ticket string for raw body bytes, with a valid checksum. */
const craft = (body: number[]): string => wrapTicketBody(Uint8Array.from(body))

describe('golden tickets', () => {
  it('encodes a fixed ticket to an exact string', () => {
    expect(encodeTicket(GOLDEN_INPUT)).toBe(GOLDEN)
    expect(parseTicket(GOLDEN)).toEqual(GOLDEN_INPUT)
  })

  it('has exactly the documented binary layout', () => {
    const body = [
      1, // version
      ...hex(TOPIC),
      2, // peers
      ...hex(nodeId(1)),
      2, // addresses
      4, 192, 168, 1, 7, 0x0f, 0xa0,
      6, 0xfd, 0, ...new Array<number>(13).fill(0), 7, 0x0f, 0xa0,
      ...hex(nodeId(2)),
      1,
      4, 10, 0, 0, 2, 0x0f, 0xa1,
    ]
    expect(body).toHaveLength(1 + 32 + 1 + (32 + 1 + 7 + 19) + (32 + 1 + 7))
    expect(Array.from(base32Decode(GOLDEN.slice(TICKET_PREFIX.length)))).toEqual([...body, ...checksum(body)])
  })

  it('encodes a topic-only ticket (no peers) and one peer with one IPv4 address in 133 chars', () => {
    const empty = encodeTicket({ topic: TOPIC, peers: [] })
    expect(empty).toBe('hearsay1ags7zjlbjzfolzpvw4rm4l3vdzraxyvmldebx3qoy6uwhmlmc2cycabqohzbi')
    expect(parseTicket(empty)).toEqual({ topic: TOPIC, peers: [] })
    const one = encodeTicket({ topic: TOPIC, peers: [{ id: nodeId(3), addrs: ['192.168.1.7:4000'] }] })
    expect(one).toHaveLength(133)
    expect(one).toMatch(/^hearsay1[a-z2-7]+$/)
  })

  it('the largest ticket is exactly MAX_TICKET_CHARS long and parses', () => {
    const peers = Array.from({ length: MAX_TICKET_PEERS }, (_, p) => ({
      id: nodeId(100 + p),
      addrs: Array.from({ length: MAX_ADDRS_PER_PEER }, (_, a) => `[2001:db8:${p + 1}:${a + 1}:1:2:3:4]:65535`),
    }))
    const ticket = encodeTicket({ topic: TOPIC, peers })
    expect(MAX_TICKET_BODY_BYTES).toBe(2994)
    expect(MAX_TICKET_CHARS).toBe(4805)
    expect(ticket).toHaveLength(MAX_TICKET_CHARS)
    expect(parseTicket(ticket)).toEqual({ topic: TOPIC, peers })
  })
})

describe('encodeTicket', () => {
  it('canonicalises addresses, so the parsed ticket equals the canonical input', () => {
    const ticket = encodeTicket({ topic: TOPIC, peers: [{ id: nodeId(1), addrs: ['[0:0::0:1]:4000'] }] })
    expect(parseTicket(ticket).peers[0]?.addrs).toEqual(['[::1]:4000'])
  })

  it('refuses bad input with a named error', () => {
    const peer = (n: number, addrs = ['10.0.0.1:1']): { id: string; addrs: string[] } => ({ id: nodeId(n), addrs })
    expect(codeOf(() => encodeTicket({ topic: 'nope', peers: [] }))).toBe('ERR_INVALID_TOPIC')
    expect(codeOf(() => encodeTicket({ topic: TOPIC.toUpperCase(), peers: [] }))).toBe('ERR_INVALID_TOPIC')
    const many = Array.from({ length: MAX_TICKET_PEERS + 1 }, (_, i) => peer(i))
    expect(codeOf(() => encodeTicket({ topic: TOPIC, peers: many }))).toBe('ERR_TICKET_TOO_MANY_PEERS')
    expect(codeOf(() => encodeTicket({ topic: TOPIC, peers: [peer(1), peer(1, ['10.0.0.2:2'])] }))).toBe('ERR_TICKET_DUPLICATE_PEER')
    expect(codeOf(() => encodeTicket({ topic: TOPIC, peers: [peer(1, ['localhost:1'])] }))).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(codeOf(() => encodeTicket({ topic: TOPIC, peers: [{ id: NOT_A_POINT, addrs: ['10.0.0.1:1'] }] }))).toBe('ERR_INVALID_NODE_ID')
    expect(() => encodeTicket({ topic: TOPIC, peers: [peer(1), peer(2, [])] })).toThrow(/^ticket peer 2: has no address/)
  })
})

describe('parseTicket errors', () => {
  const body = (peers: number[][], version = 1): number[] => [version, ...hex(TOPIC), peers.length, ...peers.flat()]
  const ipv4 = (a: number, port = 4000): number[] => [4, 10, 0, 0, a, port >> 8, port & 0xff]

  it('ignores surrounding whitespace only', () => {
    expect(parseTicket(`  \n${GOLDEN}\t `)).toEqual(GOLDEN_INPUT)
    expect(codeOf(() => parseTicket(`${GOLDEN.slice(0, 50)} ${GOLDEN.slice(50)}`))).toBe('ERR_TICKET_CHARACTERS')
  })

  it('ERR_TICKET_PREFIX', () => {
    expect(codeOf(() => parseTicket(''))).toBe('ERR_TICKET_PREFIX')
    expect(codeOf(() => parseTicket('hearsay2aaaa'))).toBe('ERR_TICKET_PREFIX')
    expect(codeOf(() => parseTicket('topicabcdef'))).toBe('ERR_TICKET_PREFIX')
    expect(() => parseTicket(GOLDEN.toUpperCase())).toThrow(/must start with "hearsay1" \(tickets are lower case\)/)
  })

  it('ERR_TICKET_CHARACTERS', () => {
    expect(codeOf(() => parseTicket(`${GOLDEN.slice(0, 20)}0${GOLDEN.slice(21)}`))).toBe('ERR_TICKET_CHARACTERS')
    expect(() => parseTicket(`${GOLDEN.slice(0, 20)}Q${GOLDEN.slice(21)}`)).toThrow(/"Q" at position 20/)
    expect(codeOf(() => parseTicket(`${GOLDEN}=`))).toBe('ERR_TICKET_CHARACTERS')
    expect(codeOf(() => parseTicket(undefined as unknown as string))).toBe('ERR_TICKET_CHARACTERS')
  })

  it('ERR_TICKET_TOO_LONG', () => {
    expect(codeOf(() => parseTicket(TICKET_PREFIX + 'a'.repeat(MAX_TICKET_CHARS)))).toBe('ERR_TICKET_TOO_LONG')
  })

  it('ERR_TICKET_ENCODING: impossible length', () => {
    const body = GOLDEN.slice(TICKET_PREFIX.length)
    for (const extra of ['a', 'aa', 'aaa']) {
      const bad = ((body.length + extra.length) * 5) % 8 >= 5
      expect(codeOf(() => parseTicket(GOLDEN + extra))).toBe(bad ? 'ERR_TICKET_ENCODING' : 'ERR_TICKET_CHECKSUM')
    }
    expect(codeOf(() => parseTicket(`${GOLDEN}aa`))).toBe('ERR_TICKET_ENCODING')
  })

  it('ERR_TICKET_CHECKSUM: one changed character, or cut short', () => {
    const i = 40
    const changed = GOLDEN[i] === 'a' ? 'b' : 'a'
    expect(codeOf(() => parseTicket(GOLDEN.slice(0, i) + changed + GOLDEN.slice(i + 1)))).toBe('ERR_TICKET_CHECKSUM')
    const bytes = base32Decode(GOLDEN.slice(TICKET_PREFIX.length))
    expect(codeOf(() => parseTicket(TICKET_PREFIX + base32Encode(bytes.subarray(0, -3))))).toBe('ERR_TICKET_CHECKSUM')
  })

  it('ERR_TICKET_TRUNCATED: too short for a checksum, or a field cut with a valid checksum', () => {
    expect(codeOf(() => parseTicket(TICKET_PREFIX))).toBe('ERR_TICKET_TRUNCATED')
    expect(codeOf(() => parseTicket(`${TICKET_PREFIX}aaaaaaa`))).toBe('ERR_TICKET_TRUNCATED')
    expect(codeOf(() => parseTicket(craft([1, ...hex(TOPIC).slice(0, 10)])))).toBe('ERR_TICKET_TRUNCATED')
    expect(() => parseTicket(craft([1, ...hex(TOPIC)]))).toThrow(/ends inside the peer count/)
    const full = body([[...hex(nodeId(1)), 1, ...ipv4(1)]])
    expect(() => parseTicket(craft(full.slice(0, -1)))).toThrow(/ends inside ticket peer 1, address 1's port/)
    expect(() => parseTicket(craft(full.slice(0, 40)))).toThrow(/ends inside ticket peer 1's node id/)
  })

  it('ERR_TICKET_VERSION', () => {
    expect(() => parseTicket(craft(body([], 2)))).toThrow(/ticket version 2 is not supported/)
    expect(codeOf(() => parseTicket(craft([0])))).toBe('ERR_TICKET_VERSION')
  })

  it('ERR_TICKET_TOO_MANY_PEERS', () => {
    expect(codeOf(() => parseTicket(craft([1, ...hex(TOPIC), 17])))).toBe('ERR_TICKET_TOO_MANY_PEERS')
    expect(codeOf(() => parseTicket(craft([1, ...hex(TOPIC), 255])))).toBe('ERR_TICKET_TOO_MANY_PEERS')
  })

  it('ERR_TICKET_TRAILING_BYTES', () => {
    expect(() => parseTicket(craft([...body([[...hex(nodeId(1)), 1, ...ipv4(1)]]), 0, 0]))).toThrow(/2 unexpected bytes after the last peer/)
    expect(codeOf(() => parseTicket(craft([...body([]), 9])))).toBe('ERR_TICKET_TRAILING_BYTES')
  })

  it('ERR_INVALID_NODE_ID', () => {
    expect(() => parseTicket(craft(body([[...hex(NOT_A_POINT), 1, ...ipv4(1)]])))).toThrow(/^ticket peer 1: node id: 0200.* is not an Ed25519 public key/)
  })

  it('ERR_TICKET_DUPLICATE_PEER', () => {
    const p = [...hex(nodeId(1)), 1, ...ipv4(1)]
    expect(codeOf(() => parseTicket(craft(body([p, p]))))).toBe('ERR_TICKET_DUPLICATE_PEER')
  })

  it('address errors: family, port 0, unspecified, count, duplicates', () => {
    const one = (addrCount: number, ...addrs: number[][]): string => craft(body([[...hex(nodeId(1)), addrCount, ...addrs.flat()]]))
    expect(() => parseTicket(one(1, [5, 1, 2, 3, 4, 0, 1]))).toThrow(/ticket peer 1, address 1: unknown address family 5/)
    expect(codeOf(() => parseTicket(one(1, ipv4(1, 0))))).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(codeOf(() => parseTicket(one(1, [4, 0, 0, 0, 0, 0, 1])))).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(codeOf(() => parseTicket(one(1, [6, ...new Array<number>(16).fill(0), 0, 1])))).toBe('ERR_INVALID_NODE_ADDRESS')
    expect(codeOf(() => parseTicket(one(0)))).toBe('ERR_NO_ADDRESSES')
    expect(codeOf(() => parseTicket(one(9, ...Array.from({ length: 9 }, (_, i) => ipv4(i + 1)))))).toBe('ERR_TOO_MANY_ADDRESSES')
    expect(codeOf(() => parseTicket(one(2, ipv4(1), ipv4(1))))).toBe('ERR_DUPLICATE_ADDRESS')
    expect(parseTicket(one(2, ipv4(1), ipv4(2))).peers[0]?.addrs).toEqual(['10.0.0.1:4000', '10.0.0.2:4000'])
  })
})
