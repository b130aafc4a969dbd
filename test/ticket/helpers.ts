/** Shared fixtures for ticket tests: deterministic node ids from small seeds. */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

if (ed.hashes.sha512 === undefined) ed.hashes.sha512 = sha512

const cache = new Map<number, string>()

/** The node id (Ed25519 public key, hex) of the seed whose first 4 bytes are `n` (big-endian). */
export function nodeId(n: number): string {
  let id = cache.get(n)
  if (id === undefined) {
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(0, n)
    id = bytesToHex(ed.getPublicKey(seed))
    cache.set(n, id)
  }
  return id
}

/** 64 hex chars that are not an Ed25519 point (found by search, checked in a test). */
export const NOT_A_POINT = '02' + '00'.repeat(31)
