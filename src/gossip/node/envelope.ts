/**
 * Signed broadcast envelopes: every broadcast carries its author's node key and an
 * Ed25519 signature, so a forged or tampered message is recognised and dropped.
 *
 * Layout (what the protocol core carries as GOSSIP content):
 *   version (1 byte, = 3) | author public key (32) | timestamp (8) | nonce (8) | stream (4) | seq (4) | payload (n) | signature (64)
 * The timestamp is the author's wall clock (ms since the Unix epoch, unsigned 64-bit
 * big-endian); receivers accept it only within a window around their own clock (see
 * {@link ReplayGuard}), so an old genuine message cannot be replayed once its id is no
 * longer remembered. The signature covers a domain tag, the topic id, the author, the
 * timestamp, the nonce and the payload, so a message cannot be replayed into another
 * topic nor re-dated. `stream` (random per author process) and `seq` (1, 2, 3, … per
 * topic within the stream; 0 for a message to neighbors only, which is not numbered)
 * let receivers deliver each author's messages in the order they were sent and notice
 * the ones that will not come (author-order.ts). (Versions 1 and 2 had no timestamp or
 * no sequence number and are refused.) The message id is
 * SHA-256 of the whole envelope, so receivers can check that an id names exactly this
 * content (no id poisoning) and two broadcasts of the same bytes get different ids.
 *
 * node:crypto does the signing and verification with KeyObjects built once per key
 * (about 10x faster than a pure-JS Ed25519, measured on Node 20).
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { HearsayError } from '../../errors.js'
import { hexOfBytes } from '../../ids.js'

export const ENVELOPE_VERSION = 3
const AUTHOR_BYTES = 32
const TIMESTAMP_BYTES = 8
const NONCE_BYTES = 8
const STREAM_BYTES = 4
const SEQ_BYTES = 4
const SIGNATURE_BYTES = 64
const TIMESTAMP_OFFSET = 1 + AUTHOR_BYTES
const NONCE_OFFSET = TIMESTAMP_OFFSET + TIMESTAMP_BYTES
const STREAM_OFFSET = NONCE_OFFSET + NONCE_BYTES
const SEQ_OFFSET = STREAM_OFFSET + STREAM_BYTES
const HEADER_BYTES = SEQ_OFFSET + SEQ_BYTES
/** Bytes an envelope adds to its payload. */
export const ENVELOPE_OVERHEAD_BYTES = HEADER_BYTES + SIGNATURE_BYTES
const DOMAIN = new TextEncoder().encode('hearsay-broadcast-v3')
/** Largest sequence number (unsigned 32-bit); an author that reaches it starts a new stream. */
const MAX_SEQ = 0xffff_ffff
/**
 * Cap on cached author public keys, shared by every node of the process (oldest dropped
 * first): at 32 bytes of key plus a native KeyObject each, well under 1 MB in all.
 */
export const MAX_CACHED_AUTHOR_KEYS = 4_096
/** Cap on cached signing prefixes (domain tag + topic id), one per topic, shared like the keys. */
export const MAX_CACHED_TOPIC_PREFIXES = 256

/**
 * Public KeyObjects by author id (64 hex), shared by every verifier in the process: a
 * public key's KeyObject is the same for every node, and building one from its raw
 * bytes costs about a tenth of a signature check, so several nodes in one process (and
 * a node that sees a new author) build each key once.
 */
const authorKeys = new Map<string, KeyObject>()
/** `DOMAIN || topic bytes` by topic id: the start of every signed message. */
const topicPrefixes = new Map<string, Buffer>()

export interface OpenedEnvelope {
  /** Author node id (64 hex). */
  readonly author: string
  readonly payload: Uint8Array
  /** The author's stream: random per author process, so numbering restarts are told apart. */
  readonly stream: number
  /** Position in the author's stream for this topic (1, 2, …); 0 = not numbered (a message to neighbors only). */
  readonly seq: number
  /** The author's signed send time (ms since the epoch). */
  readonly sentAtMs: number
}

/** Options of {@link EnvelopeSigner.seal}. */
export interface SealOptions {
  /** The signed send time, ms since the epoch. @default Date.now() */
  readonly timestampMs?: number
  /** Number the message in the author's stream for the topic (false for messages to neighbors only). @default true */
  readonly numbered?: boolean
}

/** The signed timestamp of an envelope (ms since the epoch), or undefined if it has none (malformed or another version). */
export function envelopeTimestamp(envelope: Uint8Array): number | undefined {
  if (envelope.length < ENVELOPE_OVERHEAD_BYTES || envelope[0] !== ENVELOPE_VERSION) return undefined
  return Number(new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength).getBigUint64(TIMESTAMP_OFFSET))
}

/** The author id (64 hex) an envelope names, unchecked. */
export function envelopeAuthor(envelope: Uint8Array): string {
  return hex(envelope.subarray(1, 1 + AUTHOR_BYTES))
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

const hex = hexOfBytes

/** SHA-256 of `bytes` as 64 hex chars: the message id of an envelope. */
export function envelopeId(envelope: Uint8Array): string {
  return createHash('sha256').update(envelope).digest('hex')
}

function topicPrefix(topic: string): Buffer {
  let prefix = topicPrefixes.get(topic)
  if (prefix === undefined) {
    prefix = Buffer.concat([DOMAIN, Buffer.from(topic, 'hex')])
    topicPrefixes.set(topic, prefix)
    if (topicPrefixes.size > MAX_CACHED_TOPIC_PREFIXES) topicPrefixes.delete(topicPrefixes.keys().next().value as string)
  }
  return prefix
}

/** What the signature covers: domain tag, topic id, then the envelope's header (without its version byte) and payload. */
function signedBytes(topic: string, header: Uint8Array, payload: Uint8Array): Buffer {
  const prefix = topicPrefix(topic)
  const out = Buffer.allocUnsafe(prefix.byteLength + header.byteLength - 1 + payload.byteLength)
  prefix.copy(out, 0)
  out.set(header.subarray(1), prefix.byteLength)
  out.set(payload, prefix.byteLength + header.byteLength - 1)
  return out
}

/** Author keys held by the process-wide cache (at most {@link MAX_CACHED_AUTHOR_KEYS}). */
export function cachedAuthorKeyCount(): number {
  return authorKeys.size
}

/** Signs broadcasts with one node's key, numbering them per topic. */
export class EnvelopeSigner {
  private readonly privateKey: KeyObject
  private readonly publicKey: Uint8Array
  private stream = randomBytes(STREAM_BYTES).readUInt32BE(0)
  /** Last sequence number used per topic (one entry per topic this node sent to). */
  private readonly lastSeq = new Map<string, number>()

  constructor(secretKey: Uint8Array, publicKey: Uint8Array) {
    this.publicKey = publicKey
    this.privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: base64url(secretKey), x: base64url(publicKey) },
      format: 'jwk',
    })
  }

  /** Wraps `payload` for `topic`, dated and numbered as `options` say; returns the envelope and its id. */
  seal(topic: string, payload: Uint8Array, options: SealOptions = {}): { envelope: Uint8Array; id: string } {
    const envelope = new Uint8Array(ENVELOPE_OVERHEAD_BYTES + payload.length)
    envelope[0] = ENVELOPE_VERSION
    envelope.set(this.publicKey, 1)
    const view = new DataView(envelope.buffer)
    view.setBigUint64(TIMESTAMP_OFFSET, BigInt(Math.max(0, Math.floor(options.timestampMs ?? Date.now()))))
    envelope.set(randomBytes(NONCE_BYTES), NONCE_OFFSET)
    const seq = options.numbered === false ? 0 : this.nextSeq(topic)
    view.setUint32(STREAM_OFFSET, this.stream)
    view.setUint32(SEQ_OFFSET, seq)
    envelope.set(payload, HEADER_BYTES)
    const header = envelope.subarray(0, HEADER_BYTES)
    const signature = sign(null, signedBytes(topic, header, payload), this.privateKey)
    envelope.set(signature, HEADER_BYTES + payload.length)
    return { envelope, id: envelopeId(envelope) }
  }

  private nextSeq(topic: string): number {
    let seq = (this.lastSeq.get(topic) ?? 0) + 1
    if (seq > MAX_SEQ) {
      // 4 billion messages to one topic: number anew in a fresh stream.
      this.stream = (this.stream + 1) >>> 0
      this.lastSeq.clear()
      seq = 1
    }
    this.lastSeq.set(topic, seq)
    return seq
  }
}

/** Why an envelope was refused. */
export type EnvelopeProblem = 'malformed' | 'id-mismatch' | 'bad-signature'

/** Verifies envelopes, with one public KeyObject per author from a process-wide cache. */
export class EnvelopeVerifier {

  /** Opens an envelope received under `id` in `topic`, or says what is wrong with it. */
  open(topic: string, id: string, envelope: Uint8Array): OpenedEnvelope | EnvelopeProblem {
    if (envelope.length < ENVELOPE_OVERHEAD_BYTES || envelope[0] !== ENVELOPE_VERSION) return 'malformed'
    if (envelopeId(envelope) !== id) return 'id-mismatch'
    const authorKey = envelope.subarray(1, 1 + AUTHOR_BYTES)
    const author = hex(authorKey)
    const payloadEnd = envelope.length - SIGNATURE_BYTES
    const payload = envelope.subarray(HEADER_BYTES, payloadEnd)
    const signature = envelope.subarray(payloadEnd)
    let key: KeyObject
    try {
      key = this.keyFor(author, authorKey)
    } catch {
      return 'malformed'
    }
    const ok = verify(null, signedBytes(topic, envelope.subarray(0, HEADER_BYTES), payload), key, signature)
    return ok ? { author, payload, ...numbering(envelope) } : 'bad-signature'
  }

  private keyFor(author: string, raw: Uint8Array): KeyObject {
    let key = authorKeys.get(author)
    if (key === undefined) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(raw) }, format: 'jwk' })
      authorKeys.set(author, key)
      if (authorKeys.size > MAX_CACHED_AUTHOR_KEYS) authorKeys.delete(authorKeys.keys().next().value as string)
    }
    return key
  }
}

/**
 * Opens an envelope without checking it: only for envelopes already verified on arrival
 * (or made locally). Throws on one too short to be an envelope.
 */
export function openVerified(envelope: Uint8Array): OpenedEnvelope {
  if (envelope.length < ENVELOPE_OVERHEAD_BYTES) throw new HearsayError('ERR_INTERNAL', 'envelope too short')
  return {
    author: hex(envelope.subarray(1, 1 + AUTHOR_BYTES)),
    payload: envelope.subarray(HEADER_BYTES, envelope.length - SIGNATURE_BYTES),
    ...numbering(envelope),
  }
}

/** The header fields after the author: stream, sequence number and send time. */
function numbering(envelope: Uint8Array): { stream: number; seq: number; sentAtMs: number } {
  const view = new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength)
  return { stream: view.getUint32(STREAM_OFFSET), seq: view.getUint32(SEQ_OFFSET), sentAtMs: Number(view.getBigUint64(TIMESTAMP_OFFSET)) }
}
