/**
 * Broken peers over real sockets on 127.0.0.1: a neighbor that stops reading its socket,
 * two processes started with one key, frames trickled byte by byte, and many unfinished
 * frames at once. Rogues here speak Noise and framing themselves (a raw socket secured
 * with the node's own handshake code), so they can do what a well-behaved connection
 * never does. Each case fails on code without the defence.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type Node, type NodeOptions, type Topic } from '../../src/index.js'
import { generateIdentity } from '../../src/transport/index.js'
import { parseAddress } from '../../src/transport/address.js'
import type { ByteChannel } from '../../src/transport/channel.js'
import { FRAME_KIND_DATA, encodeDataFrames } from '../../src/transport/framing.js'
import { createNoiseEncrypter, secureSocket } from '../../src/transport/secure-channel.js'
import { encodeFrame } from '../../src/gossip/wire/codec.js'
import { Inbox, TOPIC_A, closeAll, joinAll, startNodes, waitFor } from '../node/helpers.js'
import { startSwarm, expectHonestDelivery } from './swarm.js'

const text = (s: string) => new TextEncoder().encode(s)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let nodes: Node[] = []
let sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  await closeAll(nodes)
  nodes = []
  sockets = []
})

async function swarm(options: NodeOptions = {}): Promise<{ topics: Topic[]; target: Node }> {
  const started = await startSwarm(options)
  nodes = started.nodes
  return started
}


/** A rogue connection: a raw TCP socket secured by Noise, framing written by hand. */
async function rawSecured(target: Node): Promise<{ socket: Socket; channel: ByteChannel; id: string; closed: Promise<void> }> {
  const identity = generateIdentity()
  const { host, port } = parseAddress(target.addr().addrs[0] as string)
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ host, port })
    sockets.push(s)
    s.on('error', () => {})
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const { channel } = await secureSocket({
    socket,
    encrypter: await createNoiseEncrypter(identity),
    direction: 'outbound',
    expectedPeer: target.id,
    handshakeTimeoutMs: 5_000,
    signal: new AbortController().signal,
  })
  channel.start({ onData: () => {}, onEnd: () => {}, onDrain: () => {}, onClose: () => {} })
  return { socket, channel, id: identity.peerId, closed }
}

function dataHeader(length: number): Uint8Array {
  return Uint8Array.of(FRAME_KIND_DATA, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff)
}

describe('broken peers', () => {
  it('a neighbor that stops reading is disconnected (ERR_SEND_STALLED) and replaced; honest delivery goes on', async () => {
    const { topics, target } = await swarm({ transportOptions: { sendStallTimeoutMs: 1_000 } })
    const rogue = await rawSecured(target)
    rogue.channel.write(encodeDataFrames([encodeFrame([{ topic: TOPIC_A, message: { type: 'join', seq: 1 } }])]))
    await waitFor(() => topics[0]!.neighbors().includes(rogue.id), 10_000, 'the rogue to be a neighbor')
    rogue.socket.pause() // reads nothing more: the kernel buffers fill, then the node's send queue
    const big = 'x'.repeat(4_000)
    const start = Date.now()
    let sent = 0
    while ((target.stats().peerErrors['ERR_SEND_STALLED'] ?? 0) === 0 && sent < 4_000 && Date.now() - start < 30_000) {
      await topics[0]!.broadcast(text(`${big} ${sent++}`))
      if (sent % 50 === 0) await sleep(20)
    }
    await waitFor(() => (target.stats().peerErrors['ERR_SEND_STALLED'] ?? 0) === 1, 10_000, 'the stalled neighbor to be disconnected')
    const evictedAfterMs = Date.now() - start
    await waitFor(() => !topics[0]!.neighbors().includes(rogue.id), 10_000, 'the rogue to leave the active view')
    await waitFor(() => topics[0]!.neighbors().length >= 1, 10_000, 'a replacement neighbor')
    console.log(`[measure] stalled reader: evicted ${evictedAfterMs} ms after the flood began (${sent} broadcasts of 4 KB); frames dropped on a full queue ${target.stats().sendQueueFull}`)
    await expectHonestDelivery(topics, 'after the stalled reader')
  })

  it('two processes with one key: the link conflict and the foreign own-key messages are detected and counted, one link kept', async () => {
    const { topics, target } = await swarm()
    const identity = generateIdentity()
    const copyA = await createNode({ listen: '127.0.0.1:0', secretKey: identity.secretKey })
    const copyB = await createNode({ listen: '127.0.0.1:0', secretKey: identity.secretKey })
    nodes.push(copyA, copyB)
    const a = copyA.subscribe(TOPIC_A, { bootstrap: [target.addr()] })
    const b = copyB.subscribe(TOPIC_A, { bootstrap: [target.addr()] })
    await Promise.all([a.joined({ timeoutMs: 10_000 }).catch(() => {}), b.joined({ timeoutMs: 10_000 }).catch(() => {})])
    // Either copy may meet any honest node; each node detects the conflict on its own links.
    const conflicts = () => nodes.slice(0, 4).reduce((sum, n) => sum + (n.stats().duplicateIdentity ?? 0), 0)
    const start = Date.now()
    for (let i = 0; i < 200 && Date.now() - start < 20_000; i++) {
      const detected = conflicts() >= 1 && copyA.stats().ownKeyInUseElsewhere + copyB.stats().ownKeyInUseElsewhere >= 1
      if (detected) break
      await a.broadcast(text(`from copy A ${i}`)).catch(() => {})
      await b.broadcast(text(`from copy B ${i}`)).catch(() => {})
      await sleep(50)
    }
    console.log(
      `[measure] one key, two processes: honest nodes' duplicateIdentity ${conflicts()}, copies ownKeyInUseElsewhere ${copyA.stats().ownKeyInUseElsewhere}/${copyB.stats().ownKeyInUseElsewhere} after ${Date.now() - start} ms`,
    )
    expect(conflicts()).toBeGreaterThanOrEqual(1)
    expect(copyA.stats().ownKeyInUseElsewhere + copyB.stats().ownKeyInUseElsewhere).toBeGreaterThanOrEqual(1)
    // One link per node id: at most the 3 other honest nodes and one copy.
    for (const node of nodes.slice(0, 4)) expect(node.stats().openConnections).toBeLessThanOrEqual(4)
    await expectHonestDelivery(topics, 'beside the duplicated key')
  })

  it('a frame trickled after a 1 MiB header is cut at the frame deadline (ERR_FRAME_TIMEOUT); only received bytes are held', async () => {
    const { topics, target } = await swarm({ transportOptions: { frameTimeoutMs: 1_000 } })
    const rogue = await rawSecured(target)
    rogue.channel.write(dataHeader(1_048_576))
    const start = Date.now()
    let trickled = 0
    let held = 0
    // One byte every 50 ms: enough to keep the idle timer fed, far too slow for the frame.
    while (!rogue.socket.destroyed && Date.now() - start < 10_000) {
      rogue.channel.write(Uint8Array.of(0))
      trickled++
      await sleep(50)
      held = Math.max(held, target.stats().bufferedFrameBytes ?? Number.NaN)
    }
    await rogue.closed
    const closedAfterMs = Date.now() - start
    console.log(`[measure] trickled frame: closed after ${closedAfterMs} ms, ${trickled} bytes sent; most held for it ${held} bytes`)
    expect(closedAfterMs).toBeLessThan(5_000)
    expect(target.stats().peerErrors['ERR_FRAME_TIMEOUT']).toBe(1)
    expect(held).toBeLessThan(1_024)
    await waitFor(() => target.stats().bufferedFrameBytes === 0, 5_000, 'the held bytes to be released')
    await expectHonestDelivery(topics, 'after the trickled frame')
  })

  it('unfinished frames on many connections: the memory they hold is capped across connections (ERR_FRAME_MEMORY)', async () => {
    const cap = 256 * 1024
    const { topics, target } = await swarm({ transportOptions: { maxBufferedFrameBytes: cap } })
    const rogues = []
    for (let i = 0; i < 8; i++) rogues.push(await rawSecured(target))
    // Each announces 1 MiB and sends 100 KiB of it, then waits.
    for (const rogue of rogues) {
      rogue.channel.write(dataHeader(1_048_576))
      rogue.channel.write(new Uint8Array(100 * 1024))
    }
    let most = 0
    await waitFor(
      () => {
        most = Math.max(most, target.stats().bufferedFrameBytes ?? Number.NaN)
        return (target.stats().peerErrors['ERR_FRAME_MEMORY'] ?? 0) >= 8 - Math.floor(cap / (100 * 1024))
      },
      10_000,
      'connections over the cap to be closed',
    )
    console.log(`[measure] 8 unfinished 1 MiB frames (100 KiB sent each): most held ${most} bytes (cap ${cap}); closed ${target.stats().peerErrors['ERR_FRAME_MEMORY']}`)
    expect(most).toBeLessThanOrEqual(cap)
    expect(target.stats().bufferedFrameBytes).toBeLessThanOrEqual(cap)
    await expectHonestDelivery(topics, 'with unfinished frames held')
  })
})
