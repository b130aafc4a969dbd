/**
 * Fuzz properties for everything that parses bytes or text from strangers: the wire
 * decoder (src/gossip/wire/codec.ts), the ticket parser (src/ticket) and the transport
 * framing (src/transport/framing.ts). Shared by the bounded run in `npm test`
 * (test/fuzz/fuzz.test.ts) and the long run `npm run fuzz` (bench/fuzz.ts).
 *
 * Each property throws a plain Error on violation (no test framework needed):
 * - decoders never throw anything but their documented error type on arbitrary input;
 * - whatever decodes is canonical (re-encodes to the same bytes / text);
 * - encode/decode round trips;
 * - every truncation of a valid input is rejected (or, for framing, yields exactly the
 *   complete frames before the cut and buffers the rest).
 */
import fc from 'fast-check'
import { WIRE_VERSION, WireError, decodeFrame, encodeFrame, type WireEntry } from '../../src/gossip/wire/codec.js'
import { TicketError } from '../../src/ticket/errors.js'
import { TICKET_PREFIX, encodeTicket, parseTicket, type Ticket } from '../../src/ticket/index.js'
import { TransportError } from '../../src/transport/errors.js'
import {
  FRAME_KIND_GOODBYE,
  FRAME_KIND_PING,
  FrameDecoder,
  encodeControlFrame,
  encodeDataFrames,
  type DecodedFrame,
} from '../../src/transport/framing.js'
import { nodeId } from '../ticket/helpers.js'
import { idArb, messageArb } from '../helpers/wire-arbitraries.js'

export interface FuzzProperty {
  readonly name: string
  /** Share of the run budget (relative). */
  readonly weight: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- properties over different tuples
  readonly property: fc.IProperty<any>
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what)
}

/** Runs `fn`; an error must be an instance of `type` (returned), anything else is rethrown. */
function onlyThrows<T>(fn: () => T, type: abstract new (...args: never[]) => Error, what: string): T | Error {
  try {
    return fn()
  } catch (err) {
    if (err instanceof type) return err
    throw new Error(`${what} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}, not ${type.name}`)
  }
}

/** JSON with sorted keys and bytes as hex, for deep comparison of decoded values. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return `0x${hex(v)}`
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
    }
    return v
  })
}

// ---------------------------------------------------------------- wire

const T = '11'.repeat(32)
const entriesArb: fc.Arbitrary<WireEntry[]> = fc.array(fc.record({ topic: fc.oneof(fc.constantFrom(T, '22'.repeat(32)), idArb), message: messageArb }), {
  minLength: 1,
  maxLength: 12,
})

/** decodeFrame throws only WireError; whatever decodes re-encodes to the same bytes. */
function wireOnlyWireError(bytes: Uint8Array): void {
  const result = onlyThrows(() => decodeFrame(bytes), WireError, 'decodeFrame')
  if (result instanceof Error) return
  check(hex(encodeFrame(result)) === hex(bytes), 'a decoded frame is not canonical')
}

const envelope = Uint8Array.from([WIRE_VERSION, 1, ...Buffer.from(T, 'hex')])

// ---------------------------------------------------------------- tickets

const ID_POOL = Array.from({ length: 24 }, (_, i) => nodeId(2000 + i))
const portArb = fc.integer({ min: 1, max: 65535 })
const ipv4Arb = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), portArb)
  .filter(([ip]) => ip.some((b) => b !== 0))
  .map(([ip, p]) => `${Array.from(ip).join('.')}:${p}`)
const ipv6Arb = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 16 }), portArb)
  .map(([ip, zeros, p]) => {
    ip.fill(0, 16 - zeros)
    return { ip, p }
  })
  .filter(({ ip }) => ip.some((b) => b !== 0))
  .map(({ ip, p }) => {
    const words = [...Array(8).keys()].map((i) => ((ip[2 * i]! << 8) | ip[2 * i + 1]!).toString(16)).join(':')
    return `${new URL(`http://[${words}]/`).hostname}:${p}`
  })
const ticketArb: fc.Arbitrary<Ticket> = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uniqueArray(fc.constantFrom(...ID_POOL), { maxLength: 6 }))
  .chain(([topic, ids]) =>
    fc.tuple(fc.constant(hex(topic)), fc.tuple(...ids.map((id) => fc.uniqueArray(fc.oneof(ipv4Arb, ipv6Arb), { minLength: 1, maxLength: 4 }).map((addrs) => ({ id, addrs }))))),
  )
  .map(([topic, peers]) => ({ topic, peers }))

/** parseTicket throws only TicketError; whatever parses is the canonical text. */
function ticketOnlyTicketError(text: string): void {
  const result = onlyThrows(() => parseTicket(text), TicketError, 'parseTicket')
  if (result instanceof Error) return
  check(encodeTicket(result) === text.trim(), `parsed ticket is not canonical: ${JSON.stringify(text)}`)
}

const base32ish = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567018A=- \n'), maxLength: 300 })

// ---------------------------------------------------------------- framing

type PlainFrame = { kind: 'data'; payload: Uint8Array } | { kind: 'ping' } | { kind: 'goodbye' }
const frameArb: fc.Arbitrary<PlainFrame> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((payload) => ({ kind: 'data' as const, payload })) },
  fc.constant({ kind: 'ping' as const }),
  fc.constant({ kind: 'goodbye' as const }),
)
const encodePlain = (f: PlainFrame): Uint8Array =>
  f.kind === 'data' ? encodeDataFrames([f.payload]) : encodeControlFrame(f.kind === 'ping' ? FRAME_KIND_PING : FRAME_KIND_GOODBYE)
const showFrame = (f: DecodedFrame | PlainFrame): string => (f.kind === 'data' ? `data:${hex(f.payload)}` : f.kind)

/** Feeds `bytes` to a decoder in chunks cut at `cuts` (positions modulo the length). */
function decodeChunked(decoder: FrameDecoder, bytes: Uint8Array, cuts: readonly number[]): DecodedFrame[] {
  const points = [...new Set(cuts.map((c) => (bytes.byteLength === 0 ? 0 : c % bytes.byteLength)))].sort((a, b) => a - b)
  const out: DecodedFrame[] = []
  let start = 0
  for (const point of [...points, bytes.byteLength]) {
    if (point <= start && point !== bytes.byteLength) continue
    // Copy each chunk: decoded payloads may be views into it.
    out.push(...decoder.push(bytes.slice(start, point)))
    start = point
  }
  return out
}

// ---------------------------------------------------------------- the list

export const FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  {
    name: 'wire: random bytes give WireError or a canonical frame',
    weight: 3,
    property: fc.property(fc.uint8Array({ maxLength: 400 }), wireOnlyWireError),
  },
  {
    name: 'wire: a valid envelope then random message bytes give WireError or a canonical frame',
    weight: 3,
    property: fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 14 }), fc.uint8Array({ maxLength: 300 }), (count, tag, tail) =>
      wireOnlyWireError(Uint8Array.from([...envelope, count, tag, ...tail])),
    ),
  },
  {
    name: 'wire: decode(encode(entries)) = entries',
    weight: 2,
    property: fc.property(entriesArb, (entries) => {
      check(canonical(decodeFrame(encodeFrame(entries))) === canonical(entries), 'round trip changed the entries')
    }),
  },
  {
    name: 'wire: every truncation of a valid frame is rejected with WireError',
    weight: 2,
    property: fc.property(entriesArb, fc.nat(), (entries, cut) => {
      const frame = encodeFrame(entries)
      const result = onlyThrows(() => decodeFrame(frame.subarray(0, cut % frame.byteLength)), WireError, 'decodeFrame')
      check(result instanceof WireError, `a frame cut to ${cut % frame.byteLength} of ${frame.byteLength} bytes decoded`)
    }),
  },
  {
    name: 'wire: a valid frame with one byte changed gives WireError or a canonical frame',
    weight: 2,
    property: fc.property(entriesArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (entries, at, value) => {
      const frame = encodeFrame(entries).slice()
      frame[at % frame.byteLength] = value
      wireOnlyWireError(frame)
    }),
  },
  {
    name: 'ticket: random text gives TicketError or a canonical ticket',
    weight: 3,
    property: fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), base32ish, base32ish.map((s) => TICKET_PREFIX + s)), ticketOnlyTicketError),
  },
  {
    name: 'ticket: parse(encode(ticket)) = ticket',
    weight: 1,
    property: fc.property(ticketArb, (ticket) => {
      check(canonical(parseTicket(encodeTicket(ticket))) === canonical(ticket), 'round trip changed the ticket')
    }),
  },
  {
    name: 'ticket: every truncation of a valid ticket is rejected with TicketError',
    weight: 1,
    property: fc.property(ticketArb, fc.nat(), (ticket, cut) => {
      const text = encodeTicket(ticket)
      const result = onlyThrows(() => parseTicket(text.slice(0, cut % text.length)), TicketError, 'parseTicket')
      check(result instanceof TicketError, `a ticket cut to ${cut % text.length} of ${text.length} characters parsed`)
    }),
  },
  {
    name: 'ticket: a valid ticket with one character changed gives TicketError or a canonical ticket',
    weight: 1,
    property: fc.property(ticketArb, fc.nat(), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567018A=- '), (ticket, at, ch) => {
      const text = encodeTicket(ticket)
      const i = at % text.length
      ticketOnlyTicketError(text.slice(0, i) + ch + text.slice(i + 1))
    }),
  },
  {
    name: 'framing: random bytes in any chunking give frames or ERR_FRAME_TOO_LARGE / ERR_MALFORMED_FRAME',
    weight: 3,
    property: fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 0, max: 512 }), (bytes, cuts, max) => {
      const result = onlyThrows(() => decodeChunked(new FrameDecoder(max), bytes, cuts), TransportError, 'FrameDecoder')
      if (result instanceof TransportError) {
        check(result.code === 'ERR_FRAME_TOO_LARGE' || result.code === 'ERR_MALFORMED_FRAME', `unexpected code ${result.code}`)
      }
    }),
  },
  {
    name: 'framing: the same frames come out however the stream is chunked',
    weight: 2,
    property: fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
      const bytes = Buffer.concat(frames.map(encodePlain))
      const decoded = decodeChunked(new FrameDecoder(1024), bytes, cuts)
      check(decoded.map(showFrame).join() === frames.map(showFrame).join(), 'frames changed in transit')
    }),
  },
  {
    name: 'framing: a truncated stream yields exactly the complete frames; the rest follows when it arrives',
    weight: 2,
    property: fc.property(fc.array(frameArb, { minLength: 1, maxLength: 20 }), fc.nat(), fc.array(fc.nat(), { maxLength: 8 }), (frames, cut, cuts) => {
      const encoded = frames.map(encodePlain)
      const bytes = Buffer.concat(encoded)
      const at = cut % bytes.byteLength
      const decoder = new FrameDecoder(1024)
      const decoded = decodeChunked(decoder, bytes.subarray(0, at), cuts)
      let complete = 0
      let end = 0
      while (complete < encoded.length && end + (encoded[complete] as Uint8Array).byteLength <= at) end += (encoded[complete++] as Uint8Array).byteLength
      check(decoded.map(showFrame).join() === frames.slice(0, complete).map(showFrame).join(), `cut at ${at}: wrong frames`)
      check(decoder.bufferedBytes <= at - end, `cut at ${at}: ${decoder.bufferedBytes} bytes buffered, more than the ${at - end} after the last frame`)
      const rest = decoder.push(bytes.slice(at))
      check(rest.map(showFrame).join() === frames.slice(complete).map(showFrame).join(), `cut at ${at}: the rest did not follow`)
      check(decoder.bufferedBytes === 0, 'bytes left over after the whole stream')
    }),
  },
]

/** Splits `total` runs over the properties by weight (at least 1 each). */
export function runsPerProperty(total: number): number[] {
  const weights = FUZZ_PROPERTIES.reduce((n, p) => n + p.weight, 0)
  return FUZZ_PROPERTIES.map((p) => Math.max(1, Math.ceil((total * p.weight) / weights)))
}
