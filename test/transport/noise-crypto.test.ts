import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto'
import { pureJsCrypto } from '@chainsafe/libp2p-noise/crypto'
import { describe, expect, it } from 'vitest'
import { fastNoiseCrypto } from '../../src/transport/noise-crypto.js'

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

describe('Noise crypto (X25519 without key export)', () => {
  it('derives the same public key as OpenSSL from a seed', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)
    const pair = fastNoiseCrypto.generateX25519KeyPairFromSeed(seed)
    const viaDer = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }))
      .export({ format: 'der', type: 'spki' })
      .subarray(12)
    expect(Buffer.from(pair.publicKey).equals(viaDer)).toBe(true)
    expect([...pair.privateKey]).toEqual([...seed])
  })

  it('two fresh key pairs agree on the shared secret, and fresh pairs differ', () => {
    const a = fastNoiseCrypto.generateX25519KeyPair()
    const b = fastNoiseCrypto.generateX25519KeyPair()
    expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).toBe(false)
    const ab = fastNoiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)
    const ba = fastNoiseCrypto.generateX25519SharedKey(b.privateKey, a.publicKey)
    expect(Buffer.from(ab).equals(Buffer.from(ba))).toBe(true)
    expect(ab.byteLength).toBe(32)
  })

  it("HKDF gives the library's pure-JS output (three 32-byte keys) for any chaining key and input", () => {
    const inputs = [new Uint8Array(0), new Uint8Array(32), ...Array.from({ length: 20 }, (_, i) => randomBytes(i % 3 === 0 ? 32 : 1 + i * 5))]
    for (const ikm of inputs) {
      const ck = randomBytes(32)
      const ours = fastNoiseCrypto.getHKDF(ck, ikm)
      const theirs = pureJsCrypto.getHKDF(ck, ikm)
      expect(ours.map((k) => k.byteLength)).toEqual([32, 32, 32])
      expect(ours.map((k) => Buffer.from(k).toString('hex'))).toEqual(theirs.map((k) => Buffer.from(k).toString('hex')))
    }
  })
})
