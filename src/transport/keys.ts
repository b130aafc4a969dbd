/**
 * Node identity: a node id is its 32-byte Ed25519 public key, written as 64 lower-case
 * hex chars (the `NodeId` the gossip core uses). The secret key is the 32-byte Ed25519
 * seed, generated with @noble/ed25519.
 *
 * Key file format (one line, UTF-8): `hearsay-secret-key-v1 <64 hex chars>\n`.
 * New key files are created with mode 0600 and never overwrite an existing file; a key
 * file that is corrupt or has the wrong size is an error, never silently replaced.
 */
import { readFile, writeFile } from 'node:fs/promises'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { KeyFileError, TransportError } from './errors.js'
import { asNodeId, bytesOfHexId, hexOfBytes, parseHexId, type NodeId } from '../ids.js'

// noble's synchronous API needs a SHA-512; set it once, without replacing one set by the app.
if (ed.hashes.sha512 === undefined) ed.hashes.sha512 = sha512

/** Bytes in an Ed25519 seed (secret key) and in a public key. */
export const KEY_BYTES = 32

const KEY_FILE_PREFIX = 'hearsay-secret-key-v1 '

/** A node's long-term identity. Keep `secretKey` private. */
export interface NodeIdentity {
  /** The node id: lower-case hex of `publicKey`. */
  readonly peerId: NodeId
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** 32-byte Ed25519 seed. */
  readonly secretKey: Uint8Array
}

/** Creates a fresh random identity. */
export function generateIdentity(): NodeIdentity {
  return identityFromSecretKey(ed.utils.randomSecretKey())
}

/** Rebuilds an identity from a 32-byte Ed25519 seed. */
export function identityFromSecretKey(secretKey: Uint8Array): NodeIdentity {
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== KEY_BYTES) {
    throw new KeyFileError('ERR_INVALID_KEY', `secret key must be ${KEY_BYTES} bytes`)
  }
  const seed = Uint8Array.from(secretKey)
  const publicKey = ed.getPublicKey(seed)
  return { peerId: nodeIdFromBytes(publicKey), publicKey, secretKey: seed }
}

/**
 * Parses user input (a copied id) into a node id: trims, lower-cases, checks the form
 * (64 hex chars; the handshake proves the key). Throws TransportError `ERR_INVALID_PEER_ID`.
 */
export function parseNodeId(text: string): NodeId {
  const id = parseHexId(text)
  if (id === undefined) {
    throw new TransportError('ERR_INVALID_PEER_ID', `not a node id (expected 64 hex chars): "${text}"`)
  }
  return asNodeId(id)
}

/** 32 raw public-key bytes of a node id. Throws `ERR_INVALID_PEER_ID`. */
export function nodeIdToBytes(nodeId: string): Uint8Array {
  const bytes = bytesOfHexId(nodeId)
  if (bytes === undefined) {
    throw new TransportError('ERR_INVALID_PEER_ID', `not a node id (expected 64 lower-case hex chars): "${nodeId}"`)
  }
  return bytes
}

/** Node id of 32 raw public-key bytes. */
export function nodeIdFromBytes(publicKey: Uint8Array): NodeId {
  if (publicKey.byteLength !== KEY_BYTES) {
    throw new KeyFileError('ERR_INVALID_KEY', `public key must be ${KEY_BYTES} bytes, got ${publicKey.byteLength}`)
  }
  return asNodeId(hexOfBytes(publicKey))
}

/** Serialises a secret key in the key-file format. */
export function formatKeyFile(identity: NodeIdentity): string {
  return `${KEY_FILE_PREFIX}${hexOfBytes(identity.secretKey)}\n`
}

/** Parses key-file content. Throws KeyFileError `ERR_KEY_FILE_CORRUPT` with the reason. */
export function parseKeyFile(content: string, path = 'key file'): NodeIdentity {
  const text = content.trimEnd()
  if (!text.startsWith(KEY_FILE_PREFIX)) {
    throw new KeyFileError('ERR_KEY_FILE_CORRUPT', `${path}: not a hearsay key file (expected "${KEY_FILE_PREFIX.trim()} <64 hex chars>")`)
  }
  const hex = text.slice(KEY_FILE_PREFIX.length)
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw new KeyFileError('ERR_KEY_FILE_CORRUPT', `${path}: secret key is not hex`)
  }
  if (hex.length !== KEY_BYTES * 2) {
    throw new KeyFileError('ERR_KEY_FILE_CORRUPT', `${path}: secret key has ${hex.length / 2} bytes, expected ${KEY_BYTES}`)
  }
  return identityFromSecretKey(Buffer.from(hex, 'hex'))
}

/** Writes a new key file with mode 0600. Never overwrites: `ERR_KEY_FILE_EXISTS`. */
export async function saveKeyFile(path: string, identity: NodeIdentity): Promise<void> {
  try {
    await writeFile(path, formatKeyFile(identity), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new KeyFileError('ERR_KEY_FILE_EXISTS', `${path}: refusing to overwrite an existing key file`, { cause: err })
    }
    throw new KeyFileError('ERR_KEY_FILE_IO', `${path}: cannot write key file (${errnoText(err)})`, { cause: err })
  }
}

/** Reads a key file. Throws `ERR_KEY_FILE_IO` (missing, unreadable) or `ERR_KEY_FILE_CORRUPT`. */
export async function loadKeyFile(path: string): Promise<NodeIdentity> {
  let content: string
  try {
    content = await readFile(path, 'utf8')
  } catch (err) {
    throw new KeyFileError('ERR_KEY_FILE_IO', `${path}: cannot read key file (${errnoText(err)})`, { cause: err })
  }
  return parseKeyFile(content, path)
}

/** What {@link loadOrCreateKeyFile} returns. */
export interface LoadedKeyFile {
  /** The identity stored in the file. */
  identity: NodeIdentity
  /** True when the file did not exist and was created. */
  created: boolean
}

/**
 * Loads the key file at `path`, or creates it with a fresh identity when no file exists.
 * A file that exists but is corrupt is an error: it is never replaced.
 */
export async function loadOrCreateKeyFile(path: string): Promise<LoadedKeyFile> {
  try {
    return { identity: await loadKeyFile(path), created: false }
  } catch (err) {
    const missing = err instanceof KeyFileError && err.code === 'ERR_KEY_FILE_IO' && errnoCode(err.cause) === 'ENOENT'
    if (!missing) throw err
  }
  const identity = generateIdentity()
  try {
    await saveKeyFile(path, identity)
  } catch (err) {
    // Lost a race with another process creating the same file: use theirs.
    if (err instanceof KeyFileError && err.code === 'ERR_KEY_FILE_EXISTS') {
      return { identity: await loadKeyFile(path), created: false }
    }
    throw err
  }
  return { identity, created: true }
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** 'EISDIR', 'EACCES', ... with the system's wording, for key-file messages. */
function errnoText(err: unknown): string {
  const code = errnoCode(err)
  const message = err instanceof Error ? err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : String(err)
  return code === undefined ? message : `${code}: ${message}`
}
