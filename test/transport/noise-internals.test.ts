/**
 * The transport reads three private fields of @chainsafe/libp2p-noise (see
 * src/transport/noise-internals.ts). This test fails, naming what changed, when an
 * upgrade of the library moves them; the transport itself would only fall back to the
 * slower public stream.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/transport/keys.js'
import { NOISE_LIBRARY_VERSION, noiseShapeMessage } from '../../src/transport/noise-internals.js'
import { createNoiseEncrypter, secureSocket, type SecuredSocket } from '../../src/transport/secure-channel.js'

let server: Server | undefined
const sockets: Socket[] = []

afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  sockets.length = 0
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
  server = undefined
})

async function handshakePair(): Promise<[SecuredSocket, SecuredSocket]> {
  const serverId = generateIdentity()
  const clientId = generateIdentity()
  const [serverEncrypter, clientEncrypter] = await Promise.all([createNoiseEncrypter(serverId), createNoiseEncrypter(clientId)])
  const signal = new AbortController().signal
  const inbound = new Promise<SecuredSocket>((resolve, reject) => {
    server = createServer((socket) => {
      sockets.push(socket)
      secureSocket({ socket, encrypter: serverEncrypter, direction: 'inbound', handshakeTimeoutMs: 5_000, signal }).then(resolve, reject)
    })
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const address = server?.address()
  if (address === null || address === undefined || typeof address === 'string') throw new Error('no server address')
  const socket = connect({ host: '127.0.0.1', port: address.port })
  sockets.push(socket)
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const outbound = secureSocket({ socket, encrypter: clientEncrypter, direction: 'outbound', expectedPeer: serverId.peerId, handshakeTimeoutMs: 5_000, signal })
  return Promise.all([outbound, inbound])
}

describe('the Noise library internals the transport reads', () => {
  it(`still have the shape of @chainsafe/libp2p-noise ${NOISE_LIBRARY_VERSION} on both sides of a handshake`, async () => {
    const pair = await handshakePair()
    for (const secured of pair) {
      expect(secured.libraryShapeProblems, noiseShapeMessage(secured.libraryShapeProblems)).toEqual([])
    }
  })

  it('name the version they were read from, which package.json pins exactly', async () => {
    const { readFile } = await import('node:fs/promises')
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }
    expect(pkg.dependencies['@chainsafe/libp2p-noise'], 'package.json must pin the Noise library to the version noise-internals.ts was written for').toBe(NOISE_LIBRARY_VERSION)
  })
})
