/**
 * The one module for hearsay's 32-byte ids: node ids (Ed25519 public keys), topic ids
 * and message ids are all written as 64 lower-case hex chars. Every layer checks, parses,
 * converts and shortens ids here; it imports nothing of hearsay's, so the transport, the
 * tickets and the protocol core can all use it.
 *
 * The three id types are branded strings: a `NodeId` is a `string` (it can be used as a
 * map key or printed as is), but a plain string becomes one only through a check
 * (`parseHexId`, `asNodeId` after `isHexId`) or a conversion from bytes.
 */
import * as ed from '@noble/ed25519'

declare const idBrand: unique symbol

/** A node id: the node's 32-byte Ed25519 public key as 64 lower-case hex chars. */
export type NodeId = string & {
  /** Compile-time brand only: no such property exists at run time. */
  readonly [idBrand]: 'NodeId'
}
/** A topic id: 32 bytes as 64 lower-case hex chars. */
export type TopicId = string & {
  /** Compile-time brand only: no such property exists at run time. */
  readonly [idBrand]: 'TopicId'
}
/** A message id: the SHA-256 of a signed envelope as 64 lower-case hex chars. */
export type MessageId = string & {
  /** Compile-time brand only: no such property exists at run time. */
  readonly [idBrand]: 'MessageId'
}

/** Bytes in every id. */
export const ID_BYTES = 32
/** Hex chars in the written form of every id. */
export const ID_HEX_CHARS = 2 * ID_BYTES
/** Hex chars kept by {@link shortId}: the one short form used in every log and display. */
export const SHORT_ID_CHARS = 8

const HEX_ID = /^[0-9a-f]{64}$/
const ANY_CASE_HEX_ID = /^[0-9a-fA-F]{64}$/

/** Value of each lower-case hex digit by char code; -1 for every other char. */
const HEX_DIGIT: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1)
  for (let i = 0; i < 16; i++) table['0123456789abcdef'.charCodeAt(i)] = i
  return table
})()

/** True for 64 lower-case hex chars: the written form of every id. */
export function isHexId(value: unknown): value is string {
  return typeof value === 'string' && HEX_ID.test(value)
}

/** True for 64 hex chars in any case (user input that only needs lower-casing). */
export function isAnyCaseHexId(value: unknown): value is string {
  return typeof value === 'string' && ANY_CASE_HEX_ID.test(value)
}

/**
 * User input (a copied id) to the written form: trimmed and lower-cased. Returns
 * undefined when it is not 64 hex chars; the caller throws its own error.
 */
export function parseHexId(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined
  const id = text.trim().toLowerCase()
  return HEX_ID.test(id) ? id : undefined
}

/**
 * True when `value` is a node id: 64 lower-case hex chars that decode to a point on the
 * Ed25519 curve (about half of all random 32-byte strings do not; such an id can never
 * complete a handshake).
 */
export function isNodeId(value: unknown): value is NodeId {
  if (!isHexId(value)) return false
  try {
    ed.Point.fromHex(value, false)
    return true
  } catch {
    return false
  }
}

/** Brands a string already checked with `isHexId` (or made by `hexOfBytes`) as a node id. */
export function asNodeId(hex: string): NodeId {
  return hex as NodeId
}

/** Brands a string already checked with `isHexId` as a topic id. */
export function asTopicId(hex: string): TopicId {
  return hex as TopicId
}

/** Brands a string already checked with `isHexId` as a message id. */
export function asMessageId(hex: string): MessageId {
  return hex as MessageId
}

/** Lower-case hex of `bytes` (any length; 32 bytes give an id's written form). */
export function hexOfBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** The 32 bytes of an id's written form; undefined unless `hex` passes `isHexId`. */
export function bytesOfHexId(hex: string): Uint8Array | undefined {
  const out = new Uint8Array(ID_BYTES)
  return writeHexId(hex, out, 0) ? out : undefined
}

/** The 32 bytes of an id already checked (a validated ticket, our own id); throws TypeError if it is not one. */
export function hexIdToBytes(hex: string): Uint8Array {
  const bytes = bytesOfHexId(hex)
  if (bytes === undefined) throw new TypeError(`not a 64-hex-char id: ${JSON.stringify(hex.slice(0, 80))}`)
  return bytes
}

/**
 * Writes the 32 bytes of `hex` into `target` at `offset` (which must have room) and
 * checks it in the same pass; returns false, with garbage written, unless `hex` is 64
 * lower-case hex chars. The wire encoder's hot path (a regex plus parseInt per byte
 * costs 13 times more).
 */
export function writeHexId(hex: string, target: Uint8Array, offset: number): boolean {
  if (typeof hex !== 'string' || hex.length !== ID_HEX_CHARS) return false
  let bad = 0
  for (let i = 0; i < ID_BYTES; i++) {
    const hi = HEX_DIGIT[hex.charCodeAt(2 * i)] ?? -1
    const lo = HEX_DIGIT[hex.charCodeAt(2 * i + 1)] ?? -1
    bad |= hi | lo
    target[offset + i] = (hi << 4) | lo
  }
  return bad >= 0
}

/** The short display form of an id for logs and tables, e.g. `3fa9c2e1`. Not unique: never parse it. */
export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_CHARS)
}
