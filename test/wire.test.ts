/**
 * Wire codec: golden bytes with exact sizes for every message type, limits, typed
 * errors, and property tests (round trip, canonical encoding, frame splitting, random
 * and mutated bytes never produce anything but WireError).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { TopicMessage } from '../src/gossip/proto/messages.js'
import { messageArb } from './helpers/wire-arbitraries.js'
import type { PeerInfo } from '../src/gossip/proto/types.js'
import {
  DEFAULT_WIRE_LIMITS,
  WIRE_VERSION,
  WireError,
  decodeFrame,
  encodeFrame,
  encodeFrames,
  encodeMessage,
  resolveWireLimits,
  type WireEntry,
  type WireLimits,
} from '../src/gossip/wire/codec.js'

const T = '11'.repeat(32)
const M = '22'.repeat(32)
const P = '33'.repeat(32)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

function expectWireError(fn: () => unknown, code: string): void {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown, `expected WireError ${code}`).toBeInstanceOf(WireError)
  expect((thrown as WireError).code).toBe(code)
}

/** Golden encodings of each message body (tag + fields) and their exact sizes. */
const GOLDEN: [string, TopicMessage, string, number][] = [
  ['join without data', { type: 'join', seq: 300 }, '01 ac02 00', 4],
  ['join with data', { type: 'join', seq: 300, data: Uint8Array.of(1, 2, 3) }, '01 ac02 04 010203', 7],
  ['forwardJoin', { type: 'forwardJoin', peer: { id: P, data: Uint8Array.of(9) }, ttl: 6 }, `02 ${P} 02 09 06`, 36],
  ['neighbor', { type: 'neighbor', seq: 1, requestId: 2, priority: 'high' }, '03 01 02 01 00', 5],
  ['neighbor low with data', { type: 'neighbor', seq: 1, requestId: 2, priority: 'low', data: new Uint8Array(0) }, '03 01 02 00 01', 5],
  ['neighborReply', { type: 'neighborReply', seq: 1, requestId: 2, accepted: true }, '04 01 02 01', 4],
  ['disconnect', { type: 'disconnect', seq: 5, alive: false }, '05 05 00', 3],
  [
    'shuffle',
    { type: 'shuffle', origin: { id: P }, ttl: 6, nodes: [{ id: T }, { id: M, data: new Uint8Array(0) }] },
    `06 ${P} 00 06 02 ${T} 00 ${M} 01`,
    102,
  ],
  ['shuffleReply', { type: 'shuffleReply', nodes: [] }, '07 00', 2],
  ['gossip', { type: 'gossip', id: M, origin: P, round: 3, scope: 'swarm', content: Uint8Array.of(0xde, 0xad) }, `08 ${M} ${P} 03 00 02 dead`, 70],
  ['gossip neighbors scope', { type: 'gossip', id: M, origin: P, round: 0, scope: 'neighbors', content: new Uint8Array(0) }, `08 ${M} ${P} 00 01 00`, 68],
  [
    'ihave',
    { type: 'ihave', entries: [{ id: M, round: 1 }, { id: T, round: 200 }] },
    `09 02 ${M} 01 ${T} c801`,
    69,
  ],
  ['graft with id', { type: 'graft', id: M, round: 4 }, `0a 01 ${M} 04`, 35],
  ['graft with origin', { type: 'graft', origin: P, round: 0 }, `0a 02 ${P} 00`, 35],
  ['graft with id and origin', { type: 'graft', id: M, origin: P, round: 2 }, `0a 03 ${M} ${P} 02`, 67],
  ['graft without id', { type: 'graft', round: 0 }, '0a 00 00', 3],
  ['graft with origin and have', { type: 'graft', origin: P, have: [M, M], round: 1 }, `0a 06 ${P} 02 ${M} ${M} 01`, 100],
  ['prune', { type: 'prune', origin: P }, `0b ${P}`, 33],
]

describe('wire codec: golden bytes', () => {
  it.each(GOLDEN)('%s', (_name, message, bytes, size) => {
    const encoded = encodeMessage(message)
    expect(hex(encoded)).toBe(bytes.replace(/\s+/g, ''))
    expect(encoded.byteLength).toBe(size)
    // In a frame: version, group count, topic, message count, then the message.
    const frame = encodeFrame([{ topic: T, message }])
    expect(frame.byteLength).toBe(35 + size)
    expect(hex(frame)).toBe(`04 01 ${T} 01 ${bytes}`.replace(/\s+/g, ''))
    expect(decodeFrame(frame)).toEqual([{ topic: T, message }])
  })

  it('groups consecutive messages of one topic in a batch', () => {
    const entries: WireEntry[] = [
      { topic: T, message: { type: 'prune', origin: P } },
      { topic: T, message: { type: 'graft', round: 0 } },
      { topic: M, message: { type: 'prune', origin: P } },
      { topic: T, message: { type: 'prune', origin: P } },
    ]
    const frame = encodeFrame(entries)
    expect(hex(frame)).toBe(`04 03 ${T} 02 0b ${P} 0a0000 ${M} 01 0b ${P} ${T} 01 0b ${P}`.replace(/\s+/g, ''))
    expect(frame.byteLength).toBe(1 + 1 + (32 + 1 + 33 + 3) + (32 + 1 + 33) + (32 + 1 + 33))
    expect(decodeFrame(frame)).toEqual(entries)
  })

  it('has a 1-KiB gossip frame of 1128 bytes (35 envelope + 69 header + 1024)', () => {
    const frame = encodeFrame([{ topic: T, message: { type: 'gossip', id: M, origin: P, round: 1, scope: 'swarm', content: new Uint8Array(1024) } }])
    expect(frame.byteLength).toBe(1128)
  })

  it('decodes into copies that do not alias the input, even from a Buffer', () => {
    const frame = Buffer.from(encodeFrame([{ topic: T, message: { type: 'gossip', id: M, origin: P, round: 1, scope: 'swarm', content: Uint8Array.of(7) } }]))
    const [entry] = decodeFrame(frame)
    frame.fill(0)
    const message = entry?.message as Extract<TopicMessage, { type: 'gossip' }>
    expect(message.content).toEqual(Uint8Array.of(7))
    expect(Buffer.isBuffer(message.content)).toBe(false)
  })
})

describe('wire codec: limits and errors', () => {
  const gossip = (n: number): TopicMessage => ({ type: 'gossip', id: M, origin: P, round: 0, scope: 'swarm', content: new Uint8Array(n) })
  const big: WireLimits = { ...DEFAULT_WIRE_LIMITS, maxContentBytes: 1 << 16, maxIHaveEntries: 4096, maxShufflePeers: 4096, maxPeerDataBytes: 1 << 16, maxMessagesPerFrame: 1 << 16 }
  /** Encoded with generous limits, decoded with the defaults. */
  const overLimit = (message: TopicMessage): void => {
    expectWireError(() => encodeMessage(message), 'ERR_WIRE_LIMIT')
    const frame = encodeFrame([{ topic: T, message }], big)
    expectWireError(() => decodeFrame(frame), 'ERR_WIRE_LIMIT')
  }

  it('documents its defaults', () => {
    expect(DEFAULT_WIRE_LIMITS).toEqual({
      maxContentBytes: 4096,
      maxIHaveEntries: 512,
      maxShufflePeers: 64,
      maxPeerDataBytes: 1024,
      maxMessagesPerFrame: 1024,
      maxFrameBytes: 1_048_576,
    })
  })

  it('enforces maxContentBytes (configurable)', () => {
    expect(encodeMessage(gossip(4096)).byteLength).toBe(1 + 32 + 32 + 1 + 1 + 2 + 4096)
    overLimit(gossip(4097))
    const limits = resolveWireLimits({ maxContentBytes: 8192 })
    const frame = encodeFrame([{ topic: T, message: gossip(8192) }], limits)
    expect(decodeFrame(frame, limits)).toHaveLength(1)
    expectWireError(() => resolveWireLimits({ maxContentBytes: 0 }), 'ERR_WIRE_LIMIT')
    expectWireError(() => resolveWireLimits({ maxContentBytes: 1.5 }), 'ERR_WIRE_LIMIT')
  })

  it('enforces maxIHaveEntries, maxShufflePeers and maxPeerDataBytes', () => {
    overLimit({ type: 'ihave', entries: Array.from({ length: 513 }, (_, i) => ({ id: M, round: i })) })
    const peers: PeerInfo[] = Array.from({ length: 65 }, () => ({ id: P }))
    overLimit({ type: 'shuffle', origin: { id: P }, ttl: 1, nodes: peers })
    overLimit({ type: 'shuffleReply', nodes: peers })
    overLimit({ type: 'forwardJoin', peer: { id: P, data: new Uint8Array(1025) }, ttl: 1 })
    overLimit({ type: 'join', seq: 1, data: new Uint8Array(1025) })
    overLimit({ type: 'neighbor', seq: 1, requestId: 1, priority: 'low', data: new Uint8Array(1025) })
  })

  it('enforces maxMessagesPerFrame and maxFrameBytes on decode', () => {
    const many = Array.from({ length: 1025 }, (): WireEntry => ({ topic: T, message: { type: 'prune', origin: P } }))
    expectWireError(() => encodeFrame(many), 'ERR_WIRE_LIMIT')
    expectWireError(() => decodeFrame(encodeFrame(many, big)), 'ERR_WIRE_LIMIT')
    const frame = encodeFrame([{ topic: T, message: gossip(100) }])
    expectWireError(() => decodeFrame(frame, { ...DEFAULT_WIRE_LIMITS, maxFrameBytes: frame.byteLength - 1 }), 'ERR_WIRE_LIMIT')
  })

  it('rejects structural errors with stable codes', () => {
    const prune = hex(encodeFrame([{ topic: T, message: { type: 'prune', origin: P } }]))
    const cases: [string, string][] = [
      ['', 'ERR_WIRE_TRUNCATED'],
      ['03' + prune.slice(2), 'ERR_WIRE_VERSION'], // the previous wire version
      [`04 00`, 'ERR_WIRE_MALFORMED'], // no groups
      [`04 01 ${T} 00`, 'ERR_WIRE_MALFORMED'], // empty group
      [`04 01 ${T} 01 7f`, 'ERR_WIRE_UNKNOWN_TYPE'],
      [`04 01 ${T} 01 00`, 'ERR_WIRE_UNKNOWN_TYPE'],
      [prune + '00', 'ERR_WIRE_MALFORMED'], // trailing byte
      [`04 01 ${T} 01 05 8100 00`, 'ERR_WIRE_MALFORMED'], // non-minimal varint
      [`04 01 ${T} 01 05 ffffffffffffffff01 00`, 'ERR_WIRE_MALFORMED'], // 9-byte varint
      [`04 01 ${T} 01 05 ffffffffffffff7f 00`, 'ERR_WIRE_MALFORMED'], // above 2^53 - 1
      [`04 01 ${T} 01 05 05 02`, 'ERR_WIRE_MALFORMED'], // bool 2
      [`04 01 ${T} 01 03 01 02 02 00`, 'ERR_WIRE_MALFORMED'], // priority 2
      [`04 01 ${T} 01 08 ${M} ${M} 00 02 00`, 'ERR_WIRE_MALFORMED'], // scope 2
      [`04 01 ${T} 01 08 ${M} ${M} 00 00 05 0102`, 'ERR_WIRE_TRUNCATED'],
      [`04 01 ${T} 01 0a 08 00`, 'ERR_WIRE_MALFORMED'], // unknown graft flag
      [`04 01 ${T} 01 0a 04 05 ${M.repeat(5)} 00`, 'ERR_WIRE_LIMIT'], // more have ids than MAX_GRAFT_HAVE_IDS
      [`04 01 ${T.slice(0, 40)}`, 'ERR_WIRE_TRUNCATED'],
      [`04 01 ${T} 01 08 ${M} ${M} 00 00 ffffffff0f`, 'ERR_WIRE_LIMIT'], // huge length: refused before allocating
    ]
    for (const [bytes, code] of cases) expectWireError(() => decodeFrame(unhex(bytes)), code)
  })

  it('refuses to encode values it cannot represent', () => {
    const bad: TopicMessage[] = [
      { type: 'join', seq: -1 },
      { type: 'join', seq: 1.5 },
      { type: 'join', seq: Number.MAX_SAFE_INTEGER + 1 },
      { type: 'graft', id: 'AB'.repeat(32), round: 0 },
      { type: 'graft', id: 'ab', round: 0 },
      // One bad char anywhere: the neighbours of the digit and letter ranges, upper case, non-ASCII.
      ...['/', ':', '`', 'g', 'F', 'é', '\u0130'].flatMap((c) => [0, 31, 63].map((at) => ({ type: 'graft' as const, id: `${'a'.repeat(at)}${c}${'a'.repeat(63 - at)}`, round: 0 }))),
      { type: 'forwardJoin', peer: { id: '1' }, ttl: 0 },
      { type: 'gossip', id: M, origin: P, round: 0, scope: 'everyone' as 'swarm', content: new Uint8Array(0) },
    ]
    for (const message of bad) expectWireError(() => encodeMessage(message), 'ERR_WIRE_INVALID_MESSAGE')
    expectWireError(() => encodeFrame([{ topic: 'not-hex', message: { type: 'prune', origin: P } }]), 'ERR_WIRE_INVALID_MESSAGE')
    expectWireError(() => encodeFrame([]), 'ERR_WIRE_MALFORMED')
    expect(hex(encodeMessage({ type: 'join', seq: Number.MAX_SAFE_INTEGER }))).toBe('01ffffffffffffff0f00')
  })

  it('encodeFrames splits by maxMessagesPerFrame and maxFrameBytes, keeping order', () => {
    const many = Array.from({ length: 2500 }, (_, i): WireEntry => ({ topic: i % 3 === 0 ? T : M, message: { type: 'graft', round: i } }))
    const frames = encodeFrames(many)
    expect(frames).toHaveLength(3)
    expect(frames.flatMap((f) => decodeFrame(f))).toEqual(many)
    const limits = { ...DEFAULT_WIRE_LIMITS, maxFrameBytes: 10_000 }
    const gossips = Array.from({ length: 20 }, (): WireEntry => ({ topic: T, message: gossip(4000) }))
    const split = encodeFrames(gossips, limits)
    expect(split).toHaveLength(10)
    for (const f of split) expect(f.byteLength).toBeLessThanOrEqual(10_000)
    expectWireError(() => encodeFrames([{ topic: T, message: gossip(4096) }], { ...DEFAULT_WIRE_LIMITS, maxFrameBytes: 4000 }), 'ERR_WIRE_LIMIT')
  })
})

// ---- property tests ----

const topicArb = fc.constantFrom(T, M, P, '44'.repeat(32))
const entriesArb = fc.array(fc.record({ topic: topicArb, message: messageArb }), { minLength: 1, maxLength: 25 })

function expectOnlyWireError(bytes: Uint8Array): void {
  let decoded
  try {
    decoded = decodeFrame(bytes)
  } catch (err) {
    expect(err).toBeInstanceOf(WireError)
    return
  }
  // Whatever decodes is canonical: it re-encodes to the very same bytes.
  expect(hex(encodeFrame(decoded))).toBe(hex(bytes))
}

describe('wire codec: properties', () => {
  it('decode(encode(entries)) = entries', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        expect(decodeFrame(encodeFrame(entries))).toEqual(entries)
      }),
      { numRuns: 400 },
    )
  })

  it('encodeFrames packs greedily under any maxFrameBytes and round-trips', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 600, max: 6000 }), fc.integer({ min: 1, max: 8 }), (entries, maxFrameBytes, maxMessagesPerFrame) => {
        const limits = { ...DEFAULT_WIRE_LIMITS, maxFrameBytes, maxMessagesPerFrame }
        let frames: Uint8Array[]
        try {
          frames = encodeFrames(entries, limits)
        } catch (err) {
          // Only when one message alone is too large for the frame.
          expect((err as WireError).code).toBe('ERR_WIRE_LIMIT')
          expect(entries.some((e) => encodeFrame([e]).byteLength > maxFrameBytes)).toBe(true)
          return
        }
        const counts = frames.map((f) => decodeFrame(f, limits).length)
        expect(frames.flatMap((f) => decodeFrame(f, limits))).toEqual(entries)
        let start = 0
        frames.forEach((f, i) => {
          expect(f.byteLength).toBeLessThanOrEqual(maxFrameBytes)
          const count = counts[i] as number
          expect(count).toBeLessThanOrEqual(maxMessagesPerFrame)
          // Greedy: the next entry would not have fitted.
          const next = entries[start + count]
          if (next !== undefined && count < maxMessagesPerFrame) {
            expect(encodeFrame(entries.slice(start, start + count + 1), { ...limits, maxFrameBytes: 1 << 30 }).byteLength).toBeGreaterThan(maxFrameBytes)
          }
          start += count
        })
      }),
      { numRuns: 300 },
    )
  })

  it('encodeFrames with a shared body map encodes each message object once, with the same bytes', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const bodies = new Map<TopicMessage, Uint8Array>()
        // The same entries twice, as a sender handing the same objects to two peers.
        const first = encodeFrames(entries, DEFAULT_WIRE_LIMITS, bodies)
        expect(bodies.size).toBe(new Set(entries.map((e) => e.message)).size)
        const cached = [...bodies.values()]
        const second = encodeFrames(entries, DEFAULT_WIRE_LIMITS, bodies)
        expect([...bodies.values()]).toEqual(cached)
        const plain = encodeFrames(entries)
        expect(first.map(hex)).toEqual(plain.map(hex))
        expect(second.map(hex)).toEqual(plain.map(hex))
      }),
      { numRuns: 200 },
    )
  })

  it('random bytes never produce anything but WireError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), expectOnlyWireError), { numRuns: 2000 })
    // Past the envelope, so the message decoders see random input too.
    const envelope = unhex(`${WIRE_VERSION.toString(16).padStart(2, '0')} 01 ${T}`)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 300 }), (count, tag, tail) => {
        expectOnlyWireError(Uint8Array.from([...envelope, count, tag, ...tail]))
      }),
      { numRuns: 3000 },
    )
  })

  it('mutated and truncated valid frames never produce anything but WireError', () => {
    fc.assert(
      fc.property(entriesArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (entries, at, value, cut) => {
        const frame = encodeFrame(entries)
        const mutated = frame.slice()
        mutated[at % mutated.byteLength] = value
        expectOnlyWireError(mutated)
        expectOnlyWireError(frame.subarray(0, cut % frame.byteLength))
      }),
      { numRuns: 1000 },
    )
  })
})
