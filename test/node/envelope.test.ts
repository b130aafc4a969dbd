/**
 * Envelope signing and checking: a genuine envelope opens; a bad signature, a changed
 * byte anywhere, another topic, a wrong id or a malformed envelope is refused; the
 * process-wide cache of author keys stays at its cap.
 */
import { describe, expect, it } from 'vitest'
import {
  ENVELOPE_OVERHEAD_BYTES,
  EnvelopeSigner,
  EnvelopeVerifier,
  MAX_CACHED_AUTHOR_KEYS,
  cachedAuthorKeyCount,
  envelopeId,
} from '../../src/gossip/node/envelope.js'
import { generateIdentity } from '../../src/transport/keys.js'

const TOPIC = 'ab'.repeat(32)
const OTHER_TOPIC = 'cd'.repeat(32)

function sealed(payload = Uint8Array.of(1, 2, 3)) {
  const author = generateIdentity()
  const signer = new EnvelopeSigner(author.secretKey, author.publicKey)
  return { author, signer, ...signer.seal(TOPIC, payload) }
}

describe('envelope check', () => {
  it('opens a genuine envelope with its author and payload', () => {
    const { author, envelope, id } = sealed()
    const opened = new EnvelopeVerifier().open(TOPIC, id, envelope)
    expect(opened).toEqual({ author: author.peerId, payload: Uint8Array.of(1, 2, 3), stream: expect.any(Number), seq: 1, sentAtMs: expect.any(Number) })
  })

  it('numbers an author\'s broadcasts per topic in one stream; messages to neighbors only are not numbered', () => {
    const author = generateIdentity()
    const signer = new EnvelopeSigner(author.secretKey, author.publicKey)
    const verifier = new EnvelopeVerifier()
    const open = (sealedEnvelope: { envelope: Uint8Array; id: string }, topic = TOPIC) => {
      const opened = verifier.open(topic, sealedEnvelope.id, sealedEnvelope.envelope)
      if (typeof opened === 'string') throw new Error(opened)
      return opened
    }
    const first = open(signer.seal(TOPIC, Uint8Array.of(1)))
    const second = open(signer.seal(TOPIC, Uint8Array.of(2)))
    const unnumbered = open(signer.seal(TOPIC, Uint8Array.of(3), { numbered: false }))
    const otherTopic = open(signer.seal(OTHER_TOPIC, Uint8Array.of(4)), OTHER_TOPIC)
    expect([first.seq, second.seq, unnumbered.seq, otherTopic.seq]).toEqual([1, 2, 0, 1])
    expect(new Set([first.stream, second.stream, unnumbered.stream, otherTopic.stream]).size).toBe(1)
    const restarted = new EnvelopeSigner(author.secretKey, author.publicKey)
    expect(open(restarted.seal(TOPIC, Uint8Array.of(5))).stream).not.toBe(first.stream)
  })

  it('refuses a bad signature, also once the author key is cached', () => {
    const { envelope, id } = sealed()
    const verifier = new EnvelopeVerifier()
    expect(typeof verifier.open(TOPIC, id, envelope)).toBe('object')
    const forged = Uint8Array.from(envelope)
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1
    expect(verifier.open(TOPIC, envelopeId(forged), forged)).toBe('bad-signature')
    // A second verifier shares the cached key and refuses it too.
    expect(new EnvelopeVerifier().open(TOPIC, envelopeId(forged), forged)).toBe('bad-signature')
  })

  it('refuses an envelope with any byte after the version changed (id recomputed to match)', () => {
    const { envelope } = sealed(new Uint8Array(40).fill(7))
    const verifier = new EnvelopeVerifier()
    for (let i = 1; i < envelope.length; i++) {
      const changed = Uint8Array.from(envelope)
      changed[i] = (changed[i] as number) ^ 0x40
      const verdict = verifier.open(TOPIC, envelopeId(changed), changed)
      // A changed author key may not even be a valid point: malformed; otherwise the signature fails.
      expect(['bad-signature', 'malformed']).toContain(verdict)
    }
  })

  it('refuses a genuine envelope in another topic, under a wrong id, or malformed', () => {
    const { envelope, id } = sealed()
    const verifier = new EnvelopeVerifier()
    expect(verifier.open(OTHER_TOPIC, id, envelope)).toBe('bad-signature')
    expect(verifier.open(TOPIC, 'ee'.repeat(32), envelope)).toBe('id-mismatch')
    const short = envelope.subarray(0, ENVELOPE_OVERHEAD_BYTES - 1)
    expect(verifier.open(TOPIC, envelopeId(short), short)).toBe('malformed')
    const version = Uint8Array.from(envelope)
    version[0] = 1
    expect(verifier.open(TOPIC, envelopeId(version), version)).toBe('malformed')
  })

  it('keeps the process-wide author key cache at its cap, and still checks keys it dropped', () => {
    const first = sealed()
    const verifier = new EnvelopeVerifier()
    expect(typeof verifier.open(TOPIC, first.id, first.envelope)).toBe('object')
    // Fill the cache with other authors (cheap: keys only, one short envelope each).
    for (let i = 0; i < MAX_CACHED_AUTHOR_KEYS + 10; i++) {
      const { envelope, id } = sealed(new Uint8Array(0))
      verifier.open(TOPIC, id, envelope)
      expect(cachedAuthorKeyCount()).toBeLessThanOrEqual(MAX_CACHED_AUTHOR_KEYS)
    }
    expect(cachedAuthorKeyCount()).toBe(MAX_CACHED_AUTHOR_KEYS)
    // The first author's key was dropped (oldest first); its envelope opens again, a forgery does not.
    expect(typeof verifier.open(TOPIC, first.id, first.envelope)).toBe('object')
    const forged = first.signer.seal(TOPIC, Uint8Array.of(9)).envelope
    forged[forged.length - 2] = (forged[forged.length - 2] as number) ^ 1
    expect(verifier.open(TOPIC, envelopeId(forged), forged)).toBe('bad-signature')
  })
})
