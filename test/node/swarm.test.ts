import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../../src/index.js'
import { Inbox, TOPIC_A, TOPIC_B, closeAll, joinAll, startNodes, waitFor } from './helpers.js'

const text = (s: string) => new TextEncoder().encode(s)
let nodes: Node[] = []
afterEach(async () => {
  await closeAll(nodes)
  nodes = []
})

describe('a swarm over real sockets on 127.0.0.1', () => {
  it('20 nodes on one topic: every broadcast reaches every other node exactly once', async () => {
    nodes = await startNodes(20)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inboxes = topics.map((t) => new Inbox(t))
    const messages = Array.from({ length: 10 }, (_, i) => `message ${i}`)
    for (const [i, message] of messages.entries()) await topics[(i * 7) % 20]?.broadcast(text(message))
    await waitFor(
      () => inboxes.every((inbox, n) => messages.every((m, i) => inbox.count(m) === ((i * 7) % 20 === n ? 0 : 1))),
      10_000,
      'every message at every node',
    )
    // Nothing arrives twice, and authors never get their own messages back.
    for (const [n, inbox] of inboxes.entries()) {
      expect(inbox.received).toHaveLength(messages.filter((_, i) => (i * 7) % 20 !== n).length)
    }
    const event = inboxes[1]?.events.find((e) => e.type === 'received')
    expect(event?.type === 'received' && event.author).toBe(nodes[0]?.id)
  })

  it('two topics on the same nodes stay isolated', async () => {
    nodes = await startNodes(6)
    const a = joinAll(nodes, TOPIC_A)
    const b = joinAll(nodes, TOPIC_B)
    await Promise.all([...a, ...b].map((t) => t.joined({ timeoutMs: 10_000 })))
    const inboxesA = a.map((t) => new Inbox(t))
    const inboxesB = b.map((t) => new Inbox(t))
    await a[0]?.broadcast(text('only on A'))
    await b[5]?.broadcast(text('only on B'))
    await waitFor(() => inboxesA.slice(1).every((i) => i.count('only on A') === 1), 10_000, 'A delivered')
    await waitFor(() => inboxesB.slice(0, 5).every((i) => i.count('only on B') === 1), 10_000, 'B delivered')
    for (const inbox of inboxesA) expect(inbox.count('only on B')).toBe(0)
    for (const inbox of inboxesB) expect(inbox.count('only on A')).toBe(0)
  })

  it('a node that restarts with the same key rejoins and is reachable under the same id', async () => {
    nodes = await startNodes(4)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const secretKey = new Uint8Array(32).fill(7)
    const first = await createNode({ listen: '127.0.0.1:0', secretKey })
    first.subscribe(TOPIC_A, { bootstrap: [nodes[0]!.addr()] })
    await first.abort()
    const again = await createNode({ listen: '127.0.0.1:0', secretKey })
    nodes.push(again)
    expect(again.id).toBe(first.id)
    const topic = again.subscribe(TOPIC_A, { bootstrap: [nodes[1]!.addr()] })
    await topic.joined({ timeoutMs: 10_000 })
    const inbox = new Inbox(topic)
    await topics[3]?.broadcast(text('welcome back'))
    await waitFor(() => inbox.count('welcome back') === 1, 10_000, 'delivery to the restarted node')
  })

  it('leaving tells the neighbors at once', async () => {
    nodes = await startNodes(3)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inbox = new Inbox(topics[0]!)
    await topics[2]?.leave()
    await waitFor(
      () => inbox.events.some((e) => e.type === 'neighborDown' && e.peer === nodes[2]?.id && e.reason === 'disconnected'),
      5_000,
      'neighborDown with reason disconnected',
    )
    expect(topics[2]?.neighbors()).toEqual([])
  })

  it('two authors broadcasting identical bytes are both delivered', async () => {
    nodes = await startNodes(3)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inbox = new Inbox(topics[2]!)
    const [id0, id1] = [await topics[0]!.broadcast(text('hi')), await topics[1]!.broadcast(text('hi'))]
    expect(id0).not.toBe(id1)
    await waitFor(() => inbox.count('hi') === 2, 5_000, 'both copies')
  })

  it('an oversized broadcast is refused at the call site and nothing is sent', async () => {
    nodes = await startNodes(2, { maxMessageBytes: 100 })
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const sentBefore = nodes[0]!.stats().framesSent
    await expect(topics[0]!.broadcast(new Uint8Array(101))).rejects.toThrow(/101 bytes exceeds the maximum of 100 bytes/)
    expect(nodes[0]!.stats().framesSent).toBe(sentBefore)
    await expect(topics[0]!.broadcast(new Uint8Array(100))).resolves.toMatch(/^[0-9a-f]{64}$/)
  })

  it('a slow consumer gets a lagged event and memory stays bounded', async () => {
    nodes = await startNodes(2, { eventBufferSize: 5 })
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const events = topics[1]!.events() // never read until the end
    const watcher = new Inbox(topics[1]!)
    for (let i = 0; i < 20; i++) await topics[0]!.broadcast(text(`m${i}`))
    await waitFor(() => watcher.received.length === 20, 5_000, 'all 20 delivered to a fast consumer')
    const seen = []
    for (let i = 0; i < 6; i++) seen.push((await events.next()).value)
    expect(seen.slice(0, 5).every((e) => e?.type === 'received')).toBe(true)
    expect(seen[5]).toEqual({ type: 'lagged', missed: 15 })
  })
})
