/** Frame encoder/decoder: layout, limits, and chunking independence (property tests). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DATA_FRAME_HEADER_BYTES,
  FRAME_KIND_GOODBYE,
  FRAME_KIND_PING,
  FrameDecoder,
  encodeControlFrame,
  encodeDataFrames,
  type DecodedFrame,
} from '../../src/transport/framing.js'
import { TransportError } from '../../src/transport/errors.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function decodeChunked(bytes: Uint8Array, cuts: number[], max = 1 << 20, complete = true): DecodedFrame[] {
  const decoder = new FrameDecoder(max)
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  const out: DecodedFrame[] = []
  let prev = 0
  for (const p of [...points, bytes.byteLength]) {
    out.push(...decoder.push(bytes.subarray(prev, p)))
    prev = p
  }
  if (complete) expect(decoder.bufferedBytes).toBe(0)
  return out
}

describe('framing', () => {
  it('encodes data frames as kind byte, u32 big-endian length, payload (golden bytes)', () => {
    const bytes = encodeDataFrames([Uint8Array.of(0xaa, 0xbb), new Uint8Array(0)])
    expect(hex(bytes)).toBe('0000000002aabb' + '0000000000')
    expect(bytes.byteLength).toBe(2 * DATA_FRAME_HEADER_BYTES + 2)
    expect(hex(encodeControlFrame(FRAME_KIND_PING))).toBe('01')
    expect(hex(encodeControlFrame(FRAME_KIND_GOODBYE))).toBe('02')
  })

  it('decodes data, ping and goodbye frames in order', () => {
    const bytes = Buffer.concat([encodeControlFrame(FRAME_KIND_PING), encodeDataFrames([Uint8Array.of(1, 2, 3)]), encodeControlFrame(FRAME_KIND_GOODBYE)])
    const frames = new FrameDecoder(100).push(bytes)
    expect(frames).toEqual([{ kind: 'ping' }, { kind: 'data', payload: Uint8Array.of(1, 2, 3) }, { kind: 'goodbye' }])
  })

  it('rejects a frame above maxFrameBytes from its header alone', () => {
    const decoder = new FrameDecoder(10)
    expect(decoder.push(encodeDataFrames([new Uint8Array(10)]))).toHaveLength(1)
    const header = encodeDataFrames([new Uint8Array(11)]).subarray(0, DATA_FRAME_HEADER_BYTES)
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }))
    // The decoder stays failed.
    expect(() => decoder.push(Uint8Array.of(1))).toThrow(TransportError)
  })

  it('rejects a length that would overflow 31 bits', () => {
    const decoder = new FrameDecoder(0xffff_ffff - 1)
    expect(() => decoder.push(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }))
  })

  it('decodes the echo and echo-reply control frames', () => {
    expect(new FrameDecoder(10).push(Uint8Array.of(0x03, 0x01, 0x04))).toEqual([{ kind: 'echo' }, { kind: 'ping' }, { kind: 'echoReply' }])
  })

  it('rejects an unknown frame kind', () => {
    expect(() => new FrameDecoder(10).push(Uint8Array.of(0x05))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_FRAME' }))
  })

  it('property: the same frames come out however the stream is chunked', () => {
    const frameArb = fc.oneof(
      { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((payload) => ({ kind: 'data' as const, payload })) },
      fc.constant({ kind: 'ping' as const }),
      fc.constant({ kind: 'goodbye' as const }),
    )
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
        const bytes = Buffer.concat(
          frames.map((f) =>
            f.kind === 'data' ? encodeDataFrames([f.payload]) : encodeControlFrame(f.kind === 'ping' ? FRAME_KIND_PING : FRAME_KIND_GOODBYE),
          ),
        )
        const decoded = decodeChunked(bytes, cuts)
        expect(decoded.map((f) => (f.kind === 'data' ? { kind: 'data', payload: hex(f.payload) } : f))).toEqual(
          frames.map((f) => (f.kind === 'data' ? { kind: 'data', payload: hex(f.payload) } : f)),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('property: random bytes produce frames or a TransportError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        try {
          decodeChunked(bytes, cuts, 64, false)
        } catch (err) {
          expect(err).toBeInstanceOf(TransportError)
          expect(['ERR_FRAME_TOO_LARGE', 'ERR_MALFORMED_FRAME']).toContain((err as TransportError).code)
        }
      }),
      { numRuns: 500 },
    )
  })
})
