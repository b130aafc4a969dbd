/**
 * Frames on a connection's byte stream (inside the Noise channel).
 *
 * Layout: one kind byte, then for data frames a 4-byte big-endian payload length and
 * the payload. Control frames are the kind byte alone:
 *
 *   data        0x00 | u32 length | payload   (5 + length bytes)
 *   ping        0x01                           keepalive, never delivered; the first frame
 *                                              of a connection is one (the "hello")
 *   goodbye     0x02                           graceful close follows (EOF)
 *   echo        0x03                           asks for an echo reply (round-trip sample)
 *   echo reply  0x04                           answers an echo at once
 *
 * Echo and echo reply are newer than the rest: releases before them close a connection
 * on an unknown kind. They are sent only to a peer whose first frame was a hello ping,
 * which releases before them never send (see connection.ts).
 *
 * The decoder enforces `maxFrameBytes` on the announced length before buffering
 * anything, so a peer cannot make us allocate more than one maximum frame. Decoded
 * payloads are plain Uint8Array views; callers must not mutate them.
 */
import { TransportError } from './errors.js'

export const FRAME_KIND_DATA = 0x00
export const FRAME_KIND_PING = 0x01
export const FRAME_KIND_GOODBYE = 0x02
export const FRAME_KIND_ECHO = 0x03
export const FRAME_KIND_ECHO_REPLY = 0x04

/** Header bytes in front of every data payload. */
export const DATA_FRAME_HEADER_BYTES = 5

/** Largest length the 4-byte header can express. */
export const MAX_ENCODABLE_FRAME_BYTES = 0xffff_ffff

export type ControlFrameKind = typeof FRAME_KIND_PING | typeof FRAME_KIND_GOODBYE | typeof FRAME_KIND_ECHO | typeof FRAME_KIND_ECHO_REPLY

export type DecodedFrame =
  | { readonly kind: 'data'; readonly payload: Uint8Array }
  | { readonly kind: 'ping' }
  | { readonly kind: 'goodbye' }
  | { readonly kind: 'echo' }
  | { readonly kind: 'echoReply' }

const PING: DecodedFrame = Object.freeze({ kind: 'ping' })
const GOODBYE: DecodedFrame = Object.freeze({ kind: 'goodbye' })
const ECHO: DecodedFrame = Object.freeze({ kind: 'echo' })
const ECHO_REPLY: DecodedFrame = Object.freeze({ kind: 'echoReply' })

/** Encoded size of a data frame carrying `payloadBytes`. */
export function dataFrameBytes(payloadBytes: number): number {
  return DATA_FRAME_HEADER_BYTES + payloadBytes
}

/** Writes one data frame into `out` at `offset`; returns the offset after it. */
export function writeDataFrame(out: Uint8Array, offset: number, payload: Uint8Array): number {
  const len = payload.byteLength
  out[offset] = FRAME_KIND_DATA
  out[offset + 1] = len >>> 24
  out[offset + 2] = (len >>> 16) & 0xff
  out[offset + 3] = (len >>> 8) & 0xff
  out[offset + 4] = len & 0xff
  out.set(payload, offset + DATA_FRAME_HEADER_BYTES)
  return offset + DATA_FRAME_HEADER_BYTES + len
}

/** Encodes data frames back to back into one buffer (one write on the channel). */
export function encodeDataFrames(payloads: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const p of payloads) total += dataFrameBytes(p.byteLength)
  const out = new Uint8Array(total)
  let offset = 0
  for (const p of payloads) offset = writeDataFrame(out, offset, p)
  return out
}

/** Encodes a control frame (ping, goodbye, echo, echo reply). */
export function encodeControlFrame(kind: ControlFrameKind): Uint8Array {
  return Uint8Array.of(kind)
}

/**
 * Incremental frame decoder: feed it byte chunks in any split, get whole frames back.
 * Throws TransportError `ERR_FRAME_TOO_LARGE` or `ERR_MALFORMED_FRAME`; after an
 * error the decoder refuses further input (the connection must be closed).
 */
export class FrameDecoder {
  readonly maxFrameBytes: number
  private readonly header = new Uint8Array(DATA_FRAME_HEADER_BYTES)
  private headerFill = 0
  /**
   * The unfinished payload: its announced length and the pieces received so far. Memory
   * held is what actually arrived, never what a header announced.
   */
  private payloadLength: number | undefined
  private pieces: Uint8Array[] = []
  private payloadFill = 0
  private failed: TransportError | undefined
  /** True while a frame has started but not finished (the connection's frame deadline runs). */
  get inFrame(): boolean {
    return this.headerFill > 0 || this.payloadLength !== undefined
  }

  constructor(maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0 || maxFrameBytes > MAX_ENCODABLE_FRAME_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer in [0, ${MAX_ENCODABLE_FRAME_BYTES}]`)
    }
    this.maxFrameBytes = maxFrameBytes
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.headerFill + this.payloadFill
  }

  /** Decodes every frame completed by `chunk`. */
  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.failed !== undefined) throw this.failed
    try {
      return this.decode(chunk)
    } catch (err) {
      this.failed = err as TransportError
      throw err
    }
  }

  private decode(chunk: Uint8Array): DecodedFrame[] {
    const out: DecodedFrame[] = []
    const end = chunk.byteLength
    let i = 0
    while (i < end) {
      if (this.payloadLength !== undefined) {
        const n = Math.min(this.payloadLength - this.payloadFill, end - i)
        this.pieces.push(chunk.slice(i, i + n))
        this.payloadFill += n
        i += n
        if (this.payloadFill === this.payloadLength) {
          const payload = new Uint8Array(this.payloadLength)
          let offset = 0
          for (const piece of this.pieces) {
            payload.set(piece, offset)
            offset += piece.byteLength
          }
          out.push({ kind: 'data', payload })
          this.payloadLength = undefined
          this.pieces = []
          this.payloadFill = 0
        }
        continue
      }
      if (this.headerFill === 0) {
        const kind = chunk[i] as number
        if (kind === FRAME_KIND_PING) {
          out.push(PING)
          i++
          continue
        }
        if (kind === FRAME_KIND_GOODBYE) {
          out.push(GOODBYE)
          i++
          continue
        }
        if (kind === FRAME_KIND_ECHO || kind === FRAME_KIND_ECHO_REPLY) {
          out.push(kind === FRAME_KIND_ECHO ? ECHO : ECHO_REPLY)
          i++
          continue
        }
        if (kind !== FRAME_KIND_DATA) {
          throw new TransportError('ERR_MALFORMED_FRAME', `unknown frame kind 0x${kind.toString(16).padStart(2, '0')}`)
        }
      }
      const n = Math.min(DATA_FRAME_HEADER_BYTES - this.headerFill, end - i)
      this.header.set(chunk.subarray(i, i + n), this.headerFill)
      this.headerFill += n
      i += n
      if (this.headerFill < DATA_FRAME_HEADER_BYTES) break
      this.headerFill = 0
      const h = this.header
      const len = (((h[1] as number) << 24) >>> 0) + ((h[2] as number) << 16) + ((h[3] as number) << 8) + (h[4] as number)
      if (len > this.maxFrameBytes) {
        throw new TransportError('ERR_FRAME_TOO_LARGE', `peer announced a ${len}-byte frame, limit is ${this.maxFrameBytes}`)
      }
      if (end - i >= len) {
        // Whole payload in this chunk: a view, no copy.
        out.push({ kind: 'data', payload: new Uint8Array(chunk.buffer, chunk.byteOffset + i, len) })
        i += len
      } else {
        this.payloadLength = len
        this.pieces = []
        this.payloadFill = 0
      }
    }
    return out
  }
}
