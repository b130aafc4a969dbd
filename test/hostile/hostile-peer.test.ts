/**
 * Hostile peers over real sockets on 127.0.0.1: a rogue node speaks the wire protocol
 * badly on purpose. For each case the target stays up, its honest neighbors keep
 * delivering, its protocol state stays within the documented caps, and (where the
 * bytes are invalid) the rogue is disconnected.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { Node, Topic } from '../../src/index.js'
import { TcpTransport, generateIdentity } from '../../src/transport/index.js'
import type { Connection } from '../../src/transport/types.js'
import { encodeFrame, encodeFrames, type WireEntry } from '../../src/gossip/wire/codec.js'
import { DEFAULT_BROADCAST_CONFIG, DEFAULT_MEMBERSHIP_CONFIG } from '../../src/gossip/proto/config.js'
import { Inbox, TOPIC_A, closeAll, joinAll, startNodes, waitFor } from '../node/helpers.js'

const text = (s: string) => new TextEncoder().encode(s)
let nodes: Node[] = []
let rogue: TcpTransport | undefined
afterEach(async () => {
  await closeAll(nodes)
  await rogue?.close()
  nodes = []
  rogue = undefined
})

async function swarm(): Promise<{ topics: Topic[]; target: Node }> {
  nodes = await startNodes(4)
  const topics = joinAll(nodes, TOPIC_A)
  await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
  return { topics, target: nodes[0] as Node }
}

async function connectRogue(target: Node): Promise<Connection> {
  rogue = await TcpTransport.create({ identity: generateIdentity() })
  return rogue.dial(target.id, target.addr().addrs)
}

/** The honest part of the swarm still delivers a broadcast from the target to everyone. */
async function expectHonestDelivery(topics: Topic[], label: string): Promise<void> {
  const inboxes = topics.slice(1).map((t) => new Inbox(t))
  await topics[0]!.broadcast(text(label))
  await waitFor(() => inboxes.every((i) => i.count(label) === 1), 10_000, `honest delivery of "${label}"`)
}

function randomPeerId(): string {
  return generateIdentity().peerId
}

describe('hostile peers', () => {
  it('an IHAVE flood with random ids stays within the missing-announcement caps', async () => {
    const { topics, target } = await swarm()
    const conn = await connectRogue(target)
    // Become a neighbor first, so the IHAVEs are not dismissed as coming from a stranger.
    conn.send(encodeFrame([{ topic: TOPIC_A, message: { type: 'join', seq: 1 } }]))
    await waitFor(() => topics[0]!.neighbors().includes(rogue!.localId), 15_000, 'the rogue to be a neighbor')
    const entries: WireEntry[] = []
    for (let batch = 0; batch < 40; batch++) {
      const ids = Array.from({ length: 500 }, () => ({ id: randomBytes(32).toString('hex'), round: 0 }))
      entries.push({ topic: TOPIC_A, message: { type: 'ihave', entries: ids } })
    }
    for (const frame of encodeFrames(entries)) conn.send(frame)
    const caps = DEFAULT_BROADCAST_CONFIG
    await waitFor(() => (topics[0]!.protocolStats()?.broadcast.missingTotal ?? 0) >= caps.maxMissingTotal, 10_000, 'the flood to be processed')
    const sizes = topics[0]!.protocolStats()!.broadcast
    expect(sizes.missingTotal).toBeLessThanOrEqual(caps.maxMissingTotal)
    expect(sizes.missingIds).toBeLessThanOrEqual(caps.maxMissingTotal)
    await expectHonestDelivery(topics, 'after the IHAVE flood')
  })

  it('a flood of JOINs and FORWARD_JOINs with made-up peers keeps every view within capacity', async () => {
    const { topics, target } = await swarm()
    const conn = await connectRogue(target)
    const entries: WireEntry[] = [{ topic: TOPIC_A, message: { type: 'join', seq: 1 } }]
    for (let i = 0; i < 2_000; i++) {
      entries.push({ topic: TOPIC_A, message: { type: 'forwardJoin', peer: { id: randomPeerId(), data: text('127.0.0.1:1') }, ttl: i % 7 } })
    }
    const framesBefore = target.stats().framesReceived
    const frames = encodeFrames(entries)
    for (const frame of frames) conn.send(frame)
    await waitFor(() => target.stats().framesReceived >= framesBefore + frames.length, 10_000, 'the whole flood to be handled')
    const membership = topics[0]!.protocolStats()!.membership
    const m = DEFAULT_MEMBERSHIP_CONFIG
    expect(membership.active).toBeLessThanOrEqual(m.activeViewCapacity)
    expect(membership.passive).toBeLessThanOrEqual(m.passiveViewCapacity)
    expect(membership.pending).toBeLessThanOrEqual(m.activeViewCapacity + m.maxKnownPeers)
    // Address data is kept only for peers in a view, a request, the bootstrap list, the
    // lost-neighbor list or the passive backlog: each capped.
    expect(membership.peerData).toBeLessThanOrEqual(
      m.activeViewCapacity + m.passiveViewCapacity + (m.activeViewCapacity + m.maxKnownPeers) + m.maxKnownPeers + m.maxLostPeers + m.passiveBacklogCapacity,
    )
    await waitFor(() => topics.slice(1).every((t) => t.neighbors().length > 0), 10_000, 'honest nodes to keep neighbors')
    await expectHonestDelivery(topics, 'after the join flood')
  })

  it('GRAFTs for unknown ids are answered with nothing', async () => {
    const { topics, target } = await swarm()
    const conn = await connectRogue(target)
    let received = 0
    conn.setHandler({ onFrame: () => received++ })
    conn.send(encodeFrame([{ topic: TOPIC_A, message: { type: 'join', seq: 1 } }]))
    await waitFor(() => received > 0, 15_000, 'the join reply')
    const before = received
    const grafts: WireEntry[] = Array.from({ length: 200 }, () => ({ topic: TOPIC_A, message: { type: 'graft', id: randomBytes(32).toString('hex'), round: 0 } }))
    for (const frame of encodeFrames(grafts)) conn.send(frame)
    await expectHonestDelivery(topics, 'after the grafts')
    // At most the one broadcast above reaches the rogue (it is a neighbor now); no payload for unknown ids.
    expect(received - before).toBeLessThanOrEqual(2)
  })

  it.each([
    ['an unknown message type', Uint8Array.from([1, ...Buffer.from(TOPIC_A, 'hex'), 1, 0x7f])],
    ['an unknown wire version', Uint8Array.from([9, ...Buffer.from(TOPIC_A, 'hex'), 1, 0x0b])],
    ['a truncated message', Uint8Array.from([1, ...Buffer.from(TOPIC_A, 'hex').subarray(0, 10)])],
    ['random bytes', randomBytes(300)],
  ])('%s after the handshake closes that connection only', async (_name, frame) => {
    const { topics, target } = await swarm()
    const conn = await connectRogue(target)
    conn.send(frame)
    const info = await conn.closed
    expect(info.reason).toBe('remote')
    expect(target.stats().badFrames).toBe(1)
    await expectHonestDelivery(topics, 'after a bad frame')
  })

  it('a replayed genuine message is not delivered twice', async () => {
    const { topics, target } = await swarm()
    const inbox = new Inbox(topics[0]!)
    const conn = await connectRogue(target)
    // Capture a genuine broadcast as the rogue (a neighbor) receives it, then replay it.
    const captured: Uint8Array[] = []
    conn.setHandler({ onFrame: (f: Uint8Array) => captured.push(f) })
    conn.send(encodeFrame([{ topic: TOPIC_A, message: { type: 'join', seq: 1 } }]))
    await waitFor(() => topics[0]!.neighbors().includes(rogue!.localId), 15_000, 'the rogue to be a neighbor')
    await topics[1]!.broadcast(text('once only'))
    await waitFor(() => inbox.count('once only') === 1, 15_000, 'first delivery')
    await waitFor(() => captured.length > 1, 15_000, 'the rogue to see traffic')
    const framesBefore = target.stats().framesReceived
    for (const frame of captured) conn.send(frame)
    await waitFor(() => target.stats().framesReceived >= framesBefore + captured.length, 15_000, 'the replay to be handled')
    expect(inbox.count('once only')).toBe(1)
    expect(target.stats().forgedDropped).toBe(0)
  })
})
