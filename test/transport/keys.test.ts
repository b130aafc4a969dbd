/** Node identities and key files. */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ed from '@noble/ed25519'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { shortId } from '../../src/ids.js'
import { KeyFileError } from '../../src/transport/errors.js'
import {
  formatKeyFile,
  generateIdentity,
  identityFromSecretKey,
  loadKeyFile,
  loadOrCreateKeyFile,
  parseNodeId,
  nodeIdFromBytes,
  nodeIdToBytes,
  saveKeyFile,
} from '../../src/transport/keys.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearsay-keys-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function expectKeyError(promise: Promise<unknown>, code: string): Promise<KeyFileError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(KeyFileError)
  expect((err as KeyFileError).code).toBe(code)
  return err as KeyFileError
}

describe('identity', () => {
  it('uses the 32-byte Ed25519 public key as the node id, in lower-case hex', () => {
    const id = generateIdentity()
    expect(id.secretKey).toHaveLength(32)
    expect(id.publicKey).toEqual(ed.getPublicKey(id.secretKey))
    expect(id.peerId).toMatch(/^[0-9a-f]{64}$/)
    expect(nodeIdFromBytes(id.publicKey)).toBe(id.peerId)
    expect(nodeIdToBytes(id.peerId)).toEqual(id.publicKey)
    expect(generateIdentity().peerId).not.toBe(id.peerId)
  })

  it('is deterministic from the seed (RFC 8032 test vector 1)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    expect(identityFromSecretKey(seed).peerId).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
  })

  it('prints a copyable id that parses back, and a short display form', () => {
    const id = generateIdentity()
    expect(parseNodeId(`  ${id.peerId.toUpperCase()}\n`)).toBe(id.peerId)
    expect(shortId(id.peerId)).toBe(id.peerId.slice(0, 8))
    expect(() => parseNodeId('abc')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PEER_ID' }))
  })

  it('rejects a secret key of the wrong size', () => {
    expect(() => identityFromSecretKey(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }))
  })
})

describe('key file', () => {
  it('saves with mode 0600 and loads the same identity', async () => {
    const path = join(dir, 'node.key')
    const id = generateIdentity()
    await saveKeyFile(path, id)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readFile(path, 'utf8')).toBe(formatKeyFile(id))
    expect(await loadKeyFile(path)).toEqual(id)
  })

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'node.key')
    await writeFile(path, 'precious')
    await expectKeyError(saveKeyFile(path, generateIdentity()), 'ERR_KEY_FILE_EXISTS')
    expect(await readFile(path, 'utf8')).toBe('precious')
  })

  it('reports a corrupt or wrong-size key file and leaves it untouched', async () => {
    const cases = {
      garbage: 'hello world\n',
      short: `hearsay-secret-key-v1 ${'ab'.repeat(31)}\n`,
      long: `hearsay-secret-key-v1 ${'ab'.repeat(33)}\n`,
      notHex: `hearsay-secret-key-v1 ${'zz'.repeat(32)}\n`,
      empty: '',
    }
    for (const [name, content] of Object.entries(cases)) {
      const path = join(dir, `${name}.key`)
      await writeFile(path, content)
      const err = await expectKeyError(loadKeyFile(path), 'ERR_KEY_FILE_CORRUPT')
      expect(err.message).toContain(path)
      await expectKeyError(loadOrCreateKeyFile(path), 'ERR_KEY_FILE_CORRUPT')
      expect(await readFile(path, 'utf8')).toBe(content)
    }
  })

  it('loadOrCreate creates once (0600), then keeps loading the same identity', async () => {
    const path = join(dir, 'node.key')
    const first = await loadOrCreateKeyFile(path)
    expect(first.created).toBe(true)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const second = await loadOrCreateKeyFile(path)
    expect(second.created).toBe(false)
    expect(second.identity.peerId).toBe(first.identity.peerId)
  })

  it('reports a missing file as an IO error', async () => {
    await expectKeyError(loadKeyFile(join(dir, 'missing.key')), 'ERR_KEY_FILE_IO')
  })
})
