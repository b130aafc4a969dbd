/**
 * Byte-level building blocks of the wire codec: the WireError type, a growable writer,
 * a bounds-checked reader, canonical varints and 32-byte hex ids.
 *
 * Varints are unsigned LEB128, at most 8 bytes, at most Number.MAX_SAFE_INTEGER, and
 * must be minimal (no redundant 0x80 continuation bytes), so every value has exactly
 * one encoding and encode(decode(bytes)) reproduces valid input byte for byte.
 */
import { ID_BYTES, writeHexId } from '../../ids.js'
import { HearsayError } from '../../errors.js'

export type WireErrorCode =
  /** The input ended inside a field. */
  | 'ERR_WIRE_TRUNCATED'
  /** The frame's version byte is not one this codec speaks. */
  | 'ERR_WIRE_VERSION'
  /** Unknown message type tag. */
  | 'ERR_WIRE_UNKNOWN_TYPE'
  /** A size or count exceeds the configured `WireLimits`. */
  | 'ERR_WIRE_LIMIT'
  /** Structurally invalid: bad varint, boolean or enum byte, empty batch, trailing bytes. */
  | 'ERR_WIRE_MALFORMED'
  /** Encoding: a message field cannot be encoded (bad id, negative or fractional number). */
  | 'ERR_WIRE_INVALID_MESSAGE'

/** The only error the wire codec throws. */
export class WireError extends HearsayError {
  declare readonly code: WireErrorCode

  constructor(code: WireErrorCode, message: string) {
    super(code, message)
  }
}

export { ID_BYTES } from '../../ids.js'

const MAX_VARINT_BYTES = 8

/** Bytes the varint encoding of `value` takes. */
export function varintBytes(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

/** Growable output buffer. */
export class ByteWriter {
  private buf: Uint8Array
  private pos = 0

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes)
  }

  get length(): number {
    return this.pos
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.byteLength) return
    let size = this.buf.byteLength * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  u8(value: number): void {
    this.reserve(1)
    this.buf[this.pos++] = value
  }

  bool(value: boolean): void {
    this.u8(value ? 1 : 0)
  }

  /** Unsigned varint; `field` names the value in errors. */
  varint(value: number, field: string): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be a non-negative safe integer, got ${value}`)
    }
    this.reserve(MAX_VARINT_BYTES)
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 128) | 0x80
      value = Math.floor(value / 128)
    }
    this.buf[this.pos++] = value
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.byteLength
  }

  /** 32-byte id given as 64 lower-case hex chars. */
  id(hex: string, field: string): void {
    this.reserve(ID_BYTES)
    if (!writeHexId(hex, this.buf, this.pos)) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be 64 lower-case hex chars`)
    this.pos += ID_BYTES
  }

  /** Length-prefixed bytes, at most `max`. */
  bytes(value: Uint8Array, max: number, field: string): void {
    if (!(value instanceof Uint8Array)) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be a Uint8Array`)
    if (value.byteLength > max) {
      throw new WireError('ERR_WIRE_LIMIT', `${field} has ${value.byteLength} bytes, limit is ${max}`)
    }
    this.varint(value.byteLength, field)
    this.raw(value)
  }

  /** Optional bytes: varint 0 = absent, n + 1 = n bytes follow. */
  optionalBytes(value: Uint8Array | undefined, max: number, field: string): void {
    if (value === undefined) {
      this.u8(0)
      return
    }
    if (!(value instanceof Uint8Array)) throw new WireError('ERR_WIRE_INVALID_MESSAGE', `${field} must be a Uint8Array`)
    if (value.byteLength > max) {
      throw new WireError('ERR_WIRE_LIMIT', `${field} has ${value.byteLength} bytes, limit is ${max}`)
    }
    this.varint(value.byteLength + 1, field)
    this.raw(value)
  }

  /** The written bytes (a copy-free view of exactly `length` bytes). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

/** Bounds-checked reader over untrusted bytes; throws only WireError. */
export class ByteReader {
  private readonly buf: Uint8Array
  /** The same bytes as a Buffer, for native hex encoding of ids. */
  private readonly nodeBuf: Buffer
  private pos = 0

  constructor(buf: Uint8Array) {
    this.buf = buf
    this.nodeBuf = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get remaining(): number {
    return this.buf.byteLength - this.pos
  }

  private need(n: number, field: string): void {
    if (this.buf.byteLength - this.pos < n) {
      throw new WireError('ERR_WIRE_TRUNCATED', `input ends inside ${field}`)
    }
  }

  u8(field: string): number {
    this.need(1, field)
    return this.buf[this.pos++] as number
  }

  bool(field: string): boolean {
    const b = this.u8(field)
    if (b > 1) throw new WireError('ERR_WIRE_MALFORMED', `${field} must be 0 or 1, got ${b}`)
    return b === 1
  }

  varint(field: string): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.u8(field)
      value += (b & 0x7f) * scale
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new WireError('ERR_WIRE_MALFORMED', `${field}: non-minimal varint`)
        if (!Number.isSafeInteger(value)) throw new WireError('ERR_WIRE_MALFORMED', `${field}: varint above 2^53 - 1`)
        return value
      }
      scale *= 128
    }
    throw new WireError('ERR_WIRE_MALFORMED', `${field}: varint longer than ${MAX_VARINT_BYTES} bytes`)
  }

  /** A count or length, checked against `max` before anything is allocated. */
  bounded(max: number, field: string): number {
    const n = this.varint(field)
    if (n > max) throw new WireError('ERR_WIRE_LIMIT', `${field} is ${n}, limit is ${max}`)
    return n
  }

  id(field: string): string {
    this.need(ID_BYTES, field)
    const hex = this.nodeBuf.toString('hex', this.pos, this.pos + ID_BYTES)
    this.pos += ID_BYTES
    return hex
  }

  /** `n` bytes, copied (decoded values must not pin the whole frame in memory). */
  raw(n: number, field: string): Uint8Array {
    this.need(n, field)
    // A plain Uint8Array copy, even when the input is a Node Buffer (whose slice() is a view).
    const out = new Uint8Array(n)
    out.set(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return out
  }

  bytes(max: number, field: string): Uint8Array {
    return this.raw(this.bounded(max, field), field)
  }

  optionalBytes(max: number, field: string): Uint8Array | undefined {
    const n = this.varint(field)
    if (n === 0) return undefined
    if (n - 1 > max) throw new WireError('ERR_WIRE_LIMIT', `${field} has ${n - 1} bytes, limit is ${max}`)
    return this.raw(n - 1, field)
  }
}
