import { afterEach, describe, expect, it } from 'vitest'
import { VirtualClock, createNode, type Clock, type Node } from '../../src/index.js'
import { MemoryNetwork, generateIdentity } from '../../src/transport/index.js'
import { Inbox, TOPIC_A, closeAll, joinAll } from './helpers.js'

const text = (s: string) => new TextEncoder().encode(s)
let nodes: Node[] = []
afterEach(async () => {
  await closeAll(nodes)
  nodes = []
})

/** Lets in-memory pipes deliver (they use setImmediate); a bounded number of turns. */
async function drain(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Advances virtual time in steps, letting the network deliver between steps. */
async function run(clock: VirtualClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    await drain()
    clock.advance(stepMs)
  }
  await drain()
}

/** A clock that counts the timers scheduled on it and not yet fired or cleared. */
class CountingClock implements Clock {
  readonly live = new Set<unknown>()
  constructor(private readonly inner: VirtualClock) {}
  now(): number {
    return this.inner.now()
  }
  setTimer(callback: () => void, delayMs: number): unknown {
    const handle = this.inner.setTimer(() => {
      this.live.delete(handle)
      callback()
    }, delayMs)
    this.live.add(handle)
    return handle
  }
  clearTimer(handle: unknown): void {
    this.live.delete(handle)
    this.inner.clearTimer(handle)
  }
}

async function memoryNodes(count: number, clock: Clock): Promise<Node[]> {
  const network = new MemoryNetwork()
  const out: Node[] = []
  for (let i = 0; i < count; i++) {
    const identity = generateIdentity()
    const transport = network.createTransport(identity.peerId)
    await transport.listen('127.0.0.1:0')
    out.push(await createNode({ secretKey: identity.secretKey, transport, clock, rngSeed: i + 1 }))
  }
  return out
}

describe('the driver over the in-memory transport with a virtual clock', () => {
  it('joins a swarm and delivers every broadcast, with all protocol timers on virtual time', async () => {
    const clock = new VirtualClock()
    nodes = await memoryNodes(8, clock)
    const topics = joinAll(nodes, TOPIC_A)
    await run(clock, 1_000)
    for (const topic of topics) expect(topic.neighbors().length).toBeGreaterThan(0)
    const inboxes = topics.map((t) => new Inbox(t))
    await topics[3]!.broadcast(text('over memory'))
    await run(clock, 200)
    inboxes.forEach((inbox, i) => expect(inbox.count('over memory')).toBe(i === 3 ? 0 : 1))
  })

  it('a crashed neighbor is dropped as soon as its connection fails', async () => {
    const clock = new VirtualClock()
    nodes = await memoryNodes(3, clock)
    const [a, b, c] = nodes as [Node, Node, Node]
    const topicA = a.subscribe(TOPIC_A)
    const topicB = b.subscribe(TOPIC_A, { bootstrap: [a.addr()] })
    await run(clock, 100)
    expect(topicB.neighbors()).toEqual([a.id])
    // c joins through a; a then has both, and b learns of c through the FORWARD_JOIN walk.
    c.subscribe(TOPIC_A, { bootstrap: [a.addr()] })
    await run(clock, 100)
    expect(topicA.neighbors().sort()).toEqual([b.id, c.id].sort())
    await c.abort()
    await run(clock, 100)
    // The failure reached a at once (connection lost): it dropped c without waiting for a timer.
    expect(topicA.neighbors()).toEqual([b.id])
    expect(topicB.neighbors()).toContain(a.id)
  })

  it('after 6 of 20 nodes crash, the others repair their views and deliver 100 % (virtual time)', async () => {
    const clock = new VirtualClock()
    nodes = await memoryNodes(20, clock)
    const topics = joinAll(nodes, TOPIC_A)
    await run(clock, 2_000)
    const crashed = [2, 5, 8, 11, 14, 17]
    await Promise.all(crashed.map((i) => nodes[i]?.abort()))
    const survivors = nodes.map((_, i) => i).filter((i) => !crashed.includes(i))
    const crashedIds = new Set(crashed.map((i) => nodes[i]?.id))
    // Connection failures are seen at once; the freed slots are refilled from the passive
    // views within a repair period.
    await run(clock, 5_000, 50)
    for (const i of survivors) {
      const neighbors = topics[i]?.neighbors() ?? []
      expect(neighbors.length).toBeGreaterThan(0)
      expect(neighbors.filter((p) => crashedIds.has(p))).toEqual([])
    }
    const inboxes = new Map(survivors.map((i) => [i, new Inbox(topics[i]!)]))
    for (const [k, sender] of [0, 9, 19].entries()) await topics[sender]?.broadcast(text(`after crash ${k}`))
    await run(clock, 1_000, 50)
    for (const i of survivors) {
      for (const [k, sender] of [0, 9, 19].entries()) expect(inboxes.get(i)?.count(`after crash ${k}`)).toBe(sender === i ? 0 : 1)
    }
  })

  it('joined() rejects after its timeout on the node clock when nobody is there, and on abort', async () => {
    const clock = new VirtualClock()
    nodes = await memoryNodes(1, clock)
    const topic = nodes[0]!.subscribe(TOPIC_A)
    const outcome = topic.joined({ timeoutMs: 5_000 }).then(
      () => 'joined',
      (err: { code?: string }) => err.code,
    )
    await run(clock, 4_900)
    let settled: string | undefined
    void outcome.then((value) => (settled = value))
    await drain()
    expect(settled).toBeUndefined()
    await run(clock, 200)
    expect(await outcome).toBe('ERR_TIMEOUT')
    const controller = new AbortController()
    const pending = topic.joined({ signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('a node whose contact is not in the topic yet re-joins at the next repair tick (5 s of virtual time)', async () => {
    const clock = new VirtualClock()
    nodes = await memoryNodes(2, clock)
    const [a, b] = nodes as [Node, Node]
    const topicB = b.subscribe(TOPIC_A, { bootstrap: [a.addr()] })
    await run(clock, 100) // a answers: not in this topic
    const topicA = a.subscribe(TOPIC_A)
    await run(clock, 4_700)
    expect(topicB.neighbors()).toEqual([])
    await run(clock, 400)
    expect(topicB.neighbors()).toEqual([a.id])
    expect(topicA.neighbors()).toEqual([b.id])
  })

  it('a quiet swarm stays whole over two minutes of repair ticks, link probes and shuffles (every address is known)', async () => {
    const clock = new VirtualClock()
    nodes = await memoryNodes(8, clock)
    const topics = joinAll(nodes, TOPIC_A)
    await run(clock, 2_000)
    const before = topics.map((t) => t.neighbors().sort())
    await run(clock, 120_000, 250)
    for (const node of nodes) expect(node.stats()).toMatchObject({ badFrames: 0, forgedDropped: 0, dialsFailed: 0 })
    topics.forEach((topic, i) => {
      expect(topic.neighbors().length).toBeGreaterThan(0)
      // Symmetric: every neighbor holds us too.
      for (const peer of topic.neighbors()) expect(topics[nodes.findIndex((n) => n.id === peer)]?.neighbors()).toContain(nodes[i]?.id)
    })
    // Views only grow while nodes top them up from their passive views: no link is lost.
    topics.forEach((topic, i) => expect(topic.neighbors()).toEqual(expect.arrayContaining(before[i] ?? [])))
    const inboxes = topics.map((t) => new Inbox(t))
    await topics[0]!.broadcast(text('still whole'))
    await run(clock, 200)
    inboxes.slice(1).forEach((inbox) => expect(inbox.count('still whole')).toBe(1))
  })

  it('close() stops every protocol timer', async () => {
    const virtual = new VirtualClock()
    const clock = new CountingClock(virtual)
    nodes = await memoryNodes(2, clock)
    joinAll(nodes, TOPIC_A)
    await run(virtual, 100)
    expect(clock.live.size).toBeGreaterThan(0)
    await closeAll(nodes)
    expect(clock.live.size).toBe(0)
    nodes = []
  })
})

describe('links no topic uses', () => {
  it('a peer that connects but never joins a topic is disconnected after unusedLinkTimeoutMs; neighbors stay', async () => {
    const clock = new VirtualClock()
    const network = new MemoryNetwork()
    const made: Node[] = []
    for (let i = 0; i < 2; i++) {
      const identity = generateIdentity()
      const transport = network.createTransport(identity.peerId)
      await transport.listen('127.0.0.1:0')
      made.push(await createNode({ secretKey: identity.secretKey, transport, clock, rngSeed: i + 1, unusedLinkTimeoutMs: 10_000 }))
    }
    nodes = made
    const [a, b] = made as [Node, Node]
    const topicA = a.subscribe(TOPIC_A)
    b.subscribe(TOPIC_A, { bootstrap: [a.addr()] })
    const stranger = generateIdentity()
    const strangerTransport = network.createTransport(stranger.peerId)
    const conn = await strangerTransport.dial(a.id, a.addr().addrs)
    await run(clock, 100)
    expect(topicA.neighbors()).toEqual([b.id])
    expect(conn.isOpen).toBe(true)
    await run(clock, 10_000, 100)
    expect(conn.isOpen).toBe(false)
    expect(a.stats().unusedLinksClosed).toBe(1)
    await run(clock, 30_000, 100)
    expect(topicA.neighbors()).toEqual([b.id])
    expect(a.stats().unusedLinksClosed).toBe(1)
    await strangerTransport.close()
  })

  it('rejects a non-positive unusedLinkTimeoutMs', async () => {
    const identity = generateIdentity()
    const transport = new MemoryNetwork().createTransport(identity.peerId)
    await expect(createNode({ secretKey: identity.secretKey, transport, unusedLinkTimeoutMs: 0 })).rejects.toThrow(/unusedLinkTimeoutMs/)
    await transport.close()
  })
})
