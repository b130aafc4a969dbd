/**
 * Failure cases of the TCP transport over real loopback sockets: stalled and failed
 * handshakes, garbage and oversized frames after the handshake, a peer that stops
 * reading, a peer that vanishes. Misbehaving peers are built from raw sockets and the
 * transport's own handshake function.
 */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Upgrader } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import type { ByteChannel } from '../../src/transport/channel.js'
import { TransportError } from '../../src/transport/errors.js'
import { FRAME_KIND_DATA } from '../../src/transport/framing.js'
import { generateIdentity } from '../../src/transport/keys.js'
import type { TransportOptions } from '../../src/transport/options.js'
import { createNoiseEncrypter, secureSocket } from '../../src/transport/secure-channel.js'
import { TcpTransport } from '../../src/transport/tcp.js'
import type { Connection } from '../../src/transport/types.js'
import { Cleanup, Collector, text, until, within } from './helpers.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

async function listener(options: Partial<TransportOptions> = {}) {
  const transport = cleanup.add(await TcpTransport.create({ identity: generateIdentity(), ...options }))
  const addr = await transport.listen('127.0.0.1:0')
  const port = Number(addr.split(':')[1])
  return { transport, addr, port, collector: new Collector(transport) }
}

/** A raw client socket; `flowing` discards what it reads, so EOF and close are observed. */
function rawConnect(port: number, flowing = true): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port })
    if (flowing) socket.resume()
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
    cleanup.add({ close: () => Promise.resolve(void socket.destroy()) })
  })
}

function socketClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve()
  return new Promise((resolve) => socket.once('close', () => resolve()))
}

/** A peer that completes a genuine Noise handshake, then misbehaves at will. */
async function securedRawPeer(port: number, expectedPeer: string) {
  const socket = await rawConnect(port, false)
  const encrypter = await createNoiseEncrypter(generateIdentity())
  const { channel } = await secureSocket({
    socket,
    encrypter,
    direction: 'outbound',
    expectedPeer,
    handshakeTimeoutMs: 5_000,
    signal: new AbortController().signal,
  })
  let ended = false
  channel.start({ onData: () => {}, onEnd: () => (ended = true), onDrain: () => {}, onClose: () => (ended = true) })
  return { socket, channel: channel as ByteChannel, sawEof: () => ended }
}

describe('tcp transport failure cases', () => {
  it('closes a stalled inbound handshake at the timeout and frees its slot', async () => {
    const b = await listener({ handshakeTimeoutMs: 200, maxPendingInbound: 1 })
    const silent = await rawConnect(b.port)
    // Non-Noise bytes look like the start of a huge message: a stall, bounded by the timeout.
    silent.write(Buffer.from('GET / HTTP/1.1\r\n'))
    const started = performance.now()
    await within(socketClosed(silent), 3_000, 'stalled socket closed')
    expect(performance.now() - started).toBeGreaterThanOrEqual(150)
    // The single handshake slot is free again: a real dial succeeds.
    const a = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    const conn = await a.dial(b.transport.localId, [b.addr])
    expect(conn.isOpen).toBe(true)
  })

  it('fails a dial with ERR_HANDSHAKE_TIMEOUT when the listener never answers, closing the socket', async () => {
    const sockets: Socket[] = []
    const server: Server = createServer((s) => {
      s.resume()
      sockets.push(s)
    })
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
    cleanup.add({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) })
    cleanup.add({ close: () => Promise.resolve(sockets.forEach((s) => s.destroy())) })
    const port = (server.address() as { port: number }).port
    const a = cleanup.add(await TcpTransport.create({ identity: generateIdentity(), handshakeTimeoutMs: 200 }))
    const err = await a.dial(generateIdentity().peerId, [`127.0.0.1:${port}`]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransportError)
    expect((err as TransportError).code).toBe('ERR_HANDSHAKE_TIMEOUT')
    await until(() => sockets.length === 1, 2_000, 'server saw the socket')
    await within(socketClosed(sockets[0] as Socket), 2_000, 'dialer closed the socket')
  })

  it('fails an inbound handshake at once on a malformed first handshake message', async () => {
    const b = await listener({ handshakeTimeoutMs: 10_000 })
    const sock = await rawConnect(b.port)
    // A complete Noise message of 3 bytes: too short to hold an ephemeral key.
    sock.write(Uint8Array.of(0x00, 0x03, 1, 2, 3))
    await within(socketClosed(sock), 3_000, 'socket closed well before the handshake timeout')
    expect(b.transport.connections()).toHaveLength(0)
  })

  it('fails an inbound handshake at once when the peer hangs up mid-handshake', async () => {
    const b = await listener({ handshakeTimeoutMs: 10_000, maxPendingInbound: 1 })
    const sock = await rawConnect(b.port)
    sock.end()
    await within(socketClosed(sock), 3_000, 'socket closed')
    const a = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    await within(a.dial(b.transport.localId, [b.addr]), 3_000, 'dial with the slot freed')
  })

  it('closes the connection with reason protocol on garbage after the handshake', async () => {
    const b = await listener()
    const peer = await securedRawPeer(b.port, b.transport.localId)
    const inbound = await b.collector.first()
    // A well-formed Noise length prefix followed by bytes that are not valid ciphertext.
    peer.socket.write(Buffer.concat([Buffer.from([0x00, 0x20]), Buffer.alloc(32, 0xab)]))
    const info = await within(inbound.closed, 3_000, 'connection closed')
    expect(info.reason).toBe('protocol')
    expect(info.error?.code).toBe('ERR_MALFORMED_FRAME')
    await until(peer.sawEof, 3_000, 'the peer sees the connection end')
  })

  it('closes the connection with reason protocol on an oversized frame, and only that one', async () => {
    const b = await listener({ maxFrameBytes: 1024 })
    const good = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    const goodConn = await good.dial(b.transport.localId, [b.addr])
    const peer = await securedRawPeer(b.port, b.transport.localId)
    await until(() => b.collector.connections.length === 2, 3_000, 'two inbound')
    const bad = b.collector.connections.find((c) => c.remoteId !== good.localId) as Connection
    // Header announcing 1025 bytes: rejected before any payload is buffered.
    peer.channel.write(Uint8Array.from([FRAME_KIND_DATA, 0, 0, 0x04, 0x01]))
    const info = await within(bad.closed, 3_000, 'bad connection closed')
    expect(info.reason).toBe('protocol')
    expect(info.error?.code).toBe('ERR_FRAME_TOO_LARGE')
    // The other connection is unaffected.
    goodConn.send(text('still here'))
    await b.collector.frameCount(1)
    expect(b.collector.texts()).toEqual(['still here'])
    expect(goodConn.isOpen).toBe(true)
  })

  it('closes the connection with reason protocol on an unknown frame kind', async () => {
    const b = await listener()
    const peer = await securedRawPeer(b.port, b.transport.localId)
    const inbound = await b.collector.first()
    peer.channel.write(Uint8Array.of(0x7f))
    const info = await within(inbound.closed, 3_000, 'connection closed')
    expect(info.reason).toBe('protocol')
    expect(info.error?.code).toBe('ERR_MALFORMED_FRAME')
  })

  it('reports error (not a graceful close) when the peer vanishes without a goodbye', async () => {
    const b = await listener()
    const peer = await securedRawPeer(b.port, b.transport.localId)
    const inbound = await b.collector.first()
    peer.socket.destroy()
    const info = await within(inbound.closed, 3_000, 'connection closed')
    expect(info.reason).toBe('error')
    expect(info.error?.code).toBe('ERR_CONNECTION_RESET')
  })

  it('bounds memory for a peer that stops reading: send() returns false, then drains once it reads', async () => {
    const maxQueuedBytes = 256 * 1024
    const b = await listener({ maxQueuedBytes, maxFrameBytes: 65_536 })
    const peer = await securedRawPeer(b.port, b.transport.localId)
    peer.socket.pause() // stop reading: kernel buffers fill, then ours
    const inbound = await b.collector.first()
    let drained = false
    inbound.setHandler({ onFrame: () => {}, onDrain: () => (drained = true) })
    const frame = new Uint8Array(60_000)
    let refused = false
    for (let tick = 0; tick < 2_000 && !refused; tick++) {
      for (let i = 0; i < 8 && !refused; i++) refused = !inbound.send(frame)
      expect(inbound.queuedBytes).toBeLessThanOrEqual(maxQueuedBytes)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(refused).toBe(true)
    expect(inbound.isOpen).toBe(true)
    peer.socket.resume()
    await until(() => drained, 10_000, 'drain after the peer reads again')
    expect(inbound.send(frame)).toBe(true)
  })

  it('refuses a dialer whose identity key is not Ed25519', async () => {
    const b = await listener()
    const key = await generateKeyPair('secp256k1')
    const encrypter = noise()({ peerId: peerIdFromPrivateKey(key), privateKey: key, logger: defaultLogger(), upgrader: {} as Upgrader })
    const socket = await rawConnect(b.port, false)
    const { channel } = await secureSocket({
      socket,
      encrypter,
      direction: 'outbound',
      expectedPeer: b.transport.localId,
      handshakeTimeoutMs: 5_000,
      signal: new AbortController().signal,
    })
    let closed = false
    channel.start({ onData: () => {}, onEnd: () => {}, onDrain: () => {}, onClose: () => (closed = true) })
    await until(() => closed, 3_000, 'the listener drops the socket')
    expect(b.collector.connections).toHaveLength(0)
  })

  it('listens and dials on IPv6 loopback when available', async (ctx) => {
    const b = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    let addr: string
    try {
      addr = await b.listen('[::1]:0')
    } catch {
      ctx.skip()
      return
    }
    expect(addr).toMatch(/^\[::1\]:\d+$/)
    const a = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    const conn = await a.dial(b.localId, [addr])
    expect(conn.remoteAddr).toBe(addr)
  })
})
