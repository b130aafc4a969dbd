/**
 * Noise crypto with cheaper X25519 for @chainsafe/libp2p-noise.
 *
 * The library's default rebuilds both X25519 keys from DER on every Diffie-Hellman
 * (≈ 394 µs each on Node 20). Here key pairs keep their node:crypto KeyObject (cached
 * per private-key buffer) and remote public keys are imported from JWK (≈ 33 µs), which
 * roughly halves the handshake's CPU. Hashing and ChaCha20-Poly1305 are the library's
 * defaults.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface, KeyPair } from '@chainsafe/libp2p-noise'

/** `Uint8Array | Uint8ArrayList`, as the library passes key material. */
type KeyBytes = Parameters<ICryptoInterface['generateX25519SharedKey']>[0]

const PKCS8_X25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

/** KeyObjects of private keys we generated, keyed by the raw private-key buffer. */
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>()

function rawFromJwk(text: string | undefined): Uint8Array {
  if (text === undefined) throw new Error('X25519 JWK export lacks a key component')
  const buf = Buffer.from(text, 'base64url')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

function keyPairFromObject(privateKey: KeyObject): KeyPair {
  const jwk = privateKey.export({ format: 'jwk' })
  const pair = { publicKey: rawFromJwk(jwk.x), privateKey: rawFromJwk(jwk.d) }
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
    return keyPairFromObject(generateKeyPairSync('x25519').privateKey)
  },
  generateX25519KeyPairFromSeed(seed: Uint8Array): KeyPair {
    const der = new Uint8Array(PKCS8_X25519_PREFIX.byteLength + seed.byteLength)
    der.set(PKCS8_X25519_PREFIX)
    der.set(seed, PKCS8_X25519_PREFIX.byteLength)
    return keyPairFromObject(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }))
  },
  generateX25519SharedKey(privateKey: KeyBytes, publicKey: KeyBytes): Uint8Array {
    const pub = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(bytes(publicKey)).toString('base64url') },
      format: 'jwk',
    })
    return diffieHellman({ privateKey: privateKeyObject(bytes(privateKey)), publicKey: pub })
  },
}
