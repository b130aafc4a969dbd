/**
 * The one place that reads private fields of @chainsafe/libp2p-noise's encrypted stream.
 *
 * After the handshake the transport encrypts and decrypts with the library's session
 * itself (same wire format), which saves the library's stream layers on every message
 * (an EventTarget dispatch and a Uint8ArrayList per layer and direction, and a thrown
 * RangeError per socket read in its length-prefix decoder). That needs three fields the
 * library does not document:
 *
 *   handshake          the transport-phase cipher pair: encrypt(), decrypt(ciphertext, dst)
 *   readBuffer         plaintext decrypted but not dispatched yet (a Uint8ArrayList)
 *   decoder.buffer     an incomplete Noise message held by its length-prefix decoder
 *
 * `noiseInternalsOf` checks their shape on every connection and returns undefined, with
 * the reasons, when it differs: the channel then uses the library's public stream (slower,
 * still correct) and logs the reasons once. test/transport/noise-internals.test.ts fails
 * with the same reasons, so an upgrade of the library (pinned to an exact version in
 * package.json) that changes them is caught before release.
 */
import type { MessageStream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** The library version these fields were read from (package.json pins it). */
export const NOISE_LIBRARY_VERSION = '17.0.0'

/** The transport-phase cipher pair (nonces inside). */
export interface NoiseSession {
  /** Encrypts one Noise transport message. */
  encrypt(plaintext: Uint8Array): Uint8Array | Uint8ArrayList
  /** Decrypts one Noise transport message, into `dst` when given. */
  decrypt(ciphertext: Uint8Array, dst?: Uint8Array): Uint8Array | Uint8ArrayList
}

/** What the transport takes from the library's stream. */
export interface NoiseInternals {
  /** The cipher pair. */
  readonly session: NoiseSession
  /**
   * Empties the library's read buffers and returns what they held, in order: plaintext
   * decrypted but not dispatched, then the bytes of an incomplete Noise message.
   */
  takeBuffered(): { readonly plaintext: Uint8Array[]; readonly ciphertext: Uint8Array[] }
}

/** The result of checking the library's stream: its internals, or why they cannot be used. */
export type NoiseInternalsCheck = { readonly ok: true; readonly internals: NoiseInternals } | { readonly ok: false; readonly problems: readonly string[] }

interface ListLike {
  readonly byteLength: number
  consume(bytes: number): void
  [Symbol.iterator](): Iterator<Uint8Array>
}

interface LibraryStream {
  handshake?: { encrypt?: unknown; decrypt?: unknown }
  readBuffer?: unknown
  decoder?: { buffer?: unknown }
}

function isListLike(value: unknown): value is ListLike {
  if (typeof value !== 'object' || value === null) return false
  const list = value as Partial<ListLike>
  return typeof list.byteLength === 'number' && typeof list.consume === 'function' && typeof list[Symbol.iterator] === 'function'
}

function drain(list: ListLike | undefined): Uint8Array[] {
  if (list === undefined || list.byteLength === 0) return []
  const out = [...list]
  list.consume(list.byteLength)
  return out
}

/** Checks the shape of the library's encrypted stream `secured` and returns its internals or the problems found. */
export function noiseInternalsOf(secured: MessageStream): NoiseInternalsCheck {
  const library = secured as unknown as LibraryStream
  const problems: string[] = []
  const handshake = library.handshake
  if (typeof handshake?.encrypt !== 'function' || typeof handshake.decrypt !== 'function') {
    problems.push('the encrypted stream has no `handshake` with encrypt() and decrypt()')
  }
  const readBuffer = library.readBuffer
  if (readBuffer !== undefined && !isListLike(readBuffer)) problems.push('`readBuffer` is not a Uint8ArrayList')
  if (!('readBuffer' in (secured as object))) problems.push('the encrypted stream has no `readBuffer`')
  const decoderBuffer = library.decoder?.buffer
  if (library.decoder === undefined || (decoderBuffer !== undefined && !isListLike(decoderBuffer))) {
    problems.push('the encrypted stream has no `decoder` with a Uint8ArrayList `buffer`')
  }
  if (problems.length > 0) return { ok: false, problems }
  return {
    ok: true,
    internals: {
      session: handshake as NoiseSession,
      takeBuffered: () => ({
        plaintext: drain(readBuffer as ListLike | undefined),
        ciphertext: drain(decoderBuffer as ListLike | undefined),
      }),
    },
  }
}

/** The message for problems found by `noiseInternalsOf`: what changed and what to do. */
export function noiseShapeMessage(problems: readonly string[]): string {
  return (
    `@chainsafe/libp2p-noise no longer has the internals hearsay reads (written for ${NOISE_LIBRARY_VERSION}): ${problems.join('; ')}. ` +
    'Connections fall back to the library\'s public stream (slower); update src/transport/noise-internals.ts for the new version, or pin the old one.'
  )
}
