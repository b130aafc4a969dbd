/**
 * Noise crypto with cheaper X25519 for @chainsafe/libp2p-noise.
 *
 * The library's default rebuilds both X25519 keys from DER on every Diffie-Hellman
 * (≈ 394 µs each on Node 20). Here key pairs keep their node:crypto KeyObject (cached
 * per private-key buffer) and remote public keys are imported from JWK (≈ 33 µs), which
 * roughly halves the handshake's CPU. HKDF is node:crypto's `hkdfSync` (the library's
 * default is a pure-JS HMAC-SHA-256: ≈ 72 µs against ≈ 20 µs per call, four calls per
 * handshake side; same output). Hashing and ChaCha20-Poly1305 are the library's
 * defaults.
 *
 * Key pairs are made from 32 random bytes imported as a JWK, and the public key is
 * derived with one Diffie-Hellman against the base point: no `generateKeyPairSync` and
 * no key export. On Node 20.20 `KeyObject.export({ format: 'jwk' })` can deadlock the
 * process for good when the garbage collection it triggers destroys a pending key
 * generation job (a loop of `generateKeyPairSync('x25519')` + JWK export froze 4 runs of
 * 4); a 200-node benchmark froze that way after its setup.
 */
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface, KeyPair } from '@chainsafe/libp2p-noise'

/** `Uint8Array | Uint8ArrayList`, as the library passes key material. */
type KeyBytes = Parameters<ICryptoInterface['generateX25519SharedKey']>[0]

const PKCS8_X25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

const EMPTY = new Uint8Array(0)

/** KeyObjects of private keys we generated, keyed by the raw private-key buffer. */
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>()

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** The X25519 base point (u = 9): a Diffie-Hellman with it yields a private key's public key. */
const BASE_POINT_X = base64url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0)))
const basePoint = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: BASE_POINT_X }, format: 'jwk' })

/**
 * The key pair of the 32-byte X25519 private key `seed`. The JWK import derives the
 * public key from `d` itself (the `x` given is a placeholder it requires).
 */
function keyPairFromSeed(seed: Uint8Array): KeyPair {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(seed), x: BASE_POINT_X }, format: 'jwk' })
  const publicKey = new Uint8Array(diffieHellman({ privateKey, publicKey: basePoint }))
  const pair = { publicKey, privateKey: new Uint8Array(seed) }
  privateKeyObjects.set(pair.privateKey, privateKey)
  return pair
}

function bytes(data: KeyBytes): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  const cached = privateKeyObjects.get(raw)
  if (cached !== undefined) return cached
  // A key we did not generate (not expected in practice): import it once via PKCS#8.
  const der = new Uint8Array(PKCS8_X25519_PREFIX.byteLength + raw.byteLength)
  der.set(PKCS8_X25519_PREFIX)
  der.set(raw, PKCS8_X25519_PREFIX.byteLength)
  const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
  privateKeyObjects.set(raw, key)
  return key
}

export const fastNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  generateX25519KeyPair(): KeyPair {
    return keyPairFromSeed(randomBytes(32))
  },
  generateX25519KeyPairFromSeed(seed: Uint8Array): KeyPair {
    return keyPairFromSeed(seed)
  },
  getHKDF(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
    // Noise's HKDF: extract with the chaining key as salt, expand with empty info to 3 x 32 bytes.
    const okm = new Uint8Array(hkdfSync('sha256', ikm, ck, EMPTY, 96))
    return [okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 96)]
  },
  generateX25519SharedKey(privateKey: KeyBytes, publicKey: KeyBytes): Uint8Array {
    const pub = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(bytes(publicKey)).toString('base64url') },
      format: 'jwk',
    })
    return diffieHellman({ privateKey: privateKeyObject(bytes(privateKey)), publicKey: pub })
  },
}
