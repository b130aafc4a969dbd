/**
 * Hostile peers at the socket level, against a running node on 127.0.0.1: garbage
 * before the handshake, an address that proves the wrong id, and many connections
 * opened and left idle (raw sockets that never finish a handshake, and authenticated
 * peers that never join a topic). For each: the node stays up, its honest neighbors
 * keep delivering, the caps hold, and the reason is counted in `stats().peerErrors`
 * (and logged under `hearsay:transport*`).
 */
import { randomBytes } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type Node, type Topic } from '../../src/index.js'
import { TcpTransport, generateIdentity } from '../../src/transport/index.js'
import { parseAddress } from '../../src/transport/address.js'
import { Inbox, TOPIC_A, closeAll, joinAll, startNodes, waitFor } from '../node/helpers.js'
import { within } from '../transport/helpers.js'
import { startSwarm, expectHonestDelivery } from './swarm.js'

const text = (s: string) => new TextEncoder().encode(s)
let nodes: Node[] = []
let sockets: Socket[] = []
let rogues: TcpTransport[] = []
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  await Promise.all(rogues.map((r) => r.close()))
  await closeAll(nodes)
  nodes = []
  sockets = []
  rogues = []
})

const options = { transportOptions: { handshakeTimeoutMs: 500, maxPendingInbound: 4, maxConnections: 12 } }

async function swarm(): Promise<{ topics: Topic[]; target: Node }> {
  const started = await startSwarm(options)
  nodes = started.nodes
  return started
}


function rawSocket(target: Node): Promise<Socket> {
  const { host, port } = parseAddress(target.addr().addrs[0] as string)
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port })
    sockets.push(socket)
    socket.resume()
    socket.on('error', () => {})
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function socketClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve()
  return new Promise((resolve) => socket.once('close', () => resolve()))
}

const handshakeFaults = (node: Node): number => {
  const errors = node.stats().peerErrors
  return (errors['ERR_HANDSHAKE_FAILED'] ?? 0) + (errors['ERR_HANDSHAKE_TIMEOUT'] ?? 0)
}

describe('hostile sockets', () => {
  it.each([
    ['an HTTP request (stalls the handshake)', () => [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]],
    ['1 KiB of random bytes', () => [randomBytes(1024)]],
    // A plausible first Noise message (32 random bytes as the ephemeral key), then a
    // third message that is not valid ciphertext.
    ['a fake ephemeral key, then garbage', () => [Buffer.concat([Buffer.from([0, 32]), randomBytes(32)]), Buffer.concat([Buffer.from([0, 96]), randomBytes(96)])]],
  ])('garbage before the handshake: %s closes the socket, counted, node keeps serving', async (_name, chunks) => {
    const { topics, target } = await swarm()
    const before = handshakeFaults(target)
    const socket = await rawSocket(target)
    for (const chunk of chunks()) {
      socket.write(chunk)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await within(socketClosed(socket), 5_000, 'the node to close the socket')
    await waitFor(() => handshakeFaults(target) === before + 1, 5_000, 'the handshake failure to be counted')
    expect(target.stats().openConnections).toBeLessThanOrEqual(3)
    await expectHonestDelivery(topics, 'after garbage')
  })

  it('an address that proves another id (wrong id): the dial fails with ERR_PEER_ID_MISMATCH, nothing else changes', async () => {
    const { topics, target } = await swarm()
    const impostor = await createNode({ listen: '127.0.0.1:0' })
    nodes.push(impostor)
    const claimed = generateIdentity().peerId
    // A node joins through a "peer" whose address belongs to someone else.
    const newcomer = await createNode({ listen: '127.0.0.1:0' })
    nodes.push(newcomer)
    const topic = newcomer.subscribe(TOPIC_A, { bootstrap: [{ id: claimed, addrs: impostor.addr().addrs }, target.addr()] })
    await topic.joined({ timeoutMs: 10_000 })
    await waitFor(() => (newcomer.stats().peerErrors['ERR_PEER_ID_MISMATCH'] ?? 0) >= 1, 5_000, 'the mismatch to be counted')
    expect(newcomer.stats().dialsFailed).toBeGreaterThanOrEqual(1)
    expect(topic.neighbors()).not.toContain(claimed)
    await expectHonestDelivery([...topics, topic], 'with a wrong-id address around')
  })

  it('many raw sockets left idle: pending handshakes stay capped, each is closed at the timeout, honest peers are served', async () => {
    const { topics, target } = await swarm()
    const refusedBefore = target.stats().inboundRefused
    const idle = await Promise.all(Array.from({ length: 40 }, () => rawSocket(target)))
    await waitFor(() => target.stats().inboundRefused >= refusedBefore + 30, 5_000, 'sockets beyond the caps to be refused')
    expect(target.stats().pendingHandshakes).toBeLessThanOrEqual(4)
    // Existing links are untouched meanwhile.
    await expectHonestDelivery(topics, 'while idle sockets are open')
    await within(Promise.all(idle.map(socketClosed)), 10_000, 'every idle socket to be closed')
    expect(target.stats().pendingHandshakes).toBe(0)
    expect(target.stats().peerErrors['ERR_HANDSHAKE_TIMEOUT'] ?? 0).toBeGreaterThanOrEqual(1)
    // The handshake slots are free again: a new honest node joins through the target.
    const late = await createNode({ listen: '127.0.0.1:0', ...options })
    nodes.push(late)
    const lateTopic = late.subscribe(TOPIC_A, { bootstrap: [target.addr()] })
    await lateTopic.joined({ timeoutMs: 10_000 })
    await expectHonestDelivery([...topics, lateTopic], 'after the idle sockets')
  })

  it('many authenticated peers that never join a topic: connections stay capped, neighbors keep delivering', async () => {
    const { topics, target } = await swarm()
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, async () => {
        const rogue = await TcpTransport.create({ identity: generateIdentity() })
        rogues.push(rogue)
        const conn = await rogue.dial(target.id, target.addr().addrs)
        conn.setHandler({ onFrame: () => {} })
        return conn
      }),
    )
    const connected = attempts.filter((a) => a.status === 'fulfilled').length
    expect(connected).toBeGreaterThan(0)
    expect(connected).toBeLessThan(20)
    expect(target.stats().openConnections).toBeLessThanOrEqual(12)
    expect(target.stats().inboundRefused).toBeGreaterThan(0)
    await expectHonestDelivery(topics, 'with the connection slots full')
    // Once they go, the slots are free for newcomers again.
    await Promise.all(rogues.map((r) => r.close()))
    await waitFor(() => target.stats().openConnections <= 3, 5_000, 'the rogue connections to close')
    const late = await createNode({ listen: '127.0.0.1:0', ...options })
    nodes.push(late)
    const lateTopic = late.subscribe(TOPIC_A, { bootstrap: [target.addr()] })
    await lateTopic.joined({ timeoutMs: 10_000 })
    await expectHonestDelivery([...topics, lateTopic], 'after the rogues left')
  })
})
