/**
 * mDNS as a `createNode` option: nodes pinned to the loopback interface (nothing is
 * multicast on a real interface), on a free UDP port and a service name of their own,
 * find each other without a ticket and join through each other only in shared topics.
 */
import { createSocket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, topicIdFromName, HearsayError, type MdnsOptions, type Node } from '../../src/index.js'

let nodes: Node[] = []
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()))
  nodes = []
})

/** A UDP port that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

async function loopbackMdns(): Promise<MdnsOptions> {
  return { interface: '127.0.0.1', port: await freeUdpPort(), intervalMs: 200, serviceName: '_hearsay-test._udp.local' }
}

describe('createNode({ mdns })', () => {
  it('two nodes pinned to 127.0.0.1 find each other by mDNS, join without a ticket and deliver a broadcast', async () => {
    const mdns = await loopbackMdns()
    const topicId = topicIdFromName('mdns-option')
    const alice = await createNode({ listen: '127.0.0.1:0', mdns })
    const bob = await createNode({ listen: '127.0.0.1:0', mdns })
    nodes.push(alice, bob)
    const a = alice.subscribe(topicId)
    const b = bob.subscribe(topicId)
    const events = b.events()
    await Promise.all([a.joined({ timeoutMs: 10_000 }), b.joined({ timeoutMs: 10_000 })])
    expect(b.neighbors()).toEqual([alice.id])
    await a.broadcast(new TextEncoder().encode('found by mDNS'))
    for await (const event of events) {
      if (event.type === 'received') {
        expect(new TextDecoder().decode(event.content)).toBe('found by mDNS')
        expect(event.author).toBe(alice.id)
        break
      }
    }
  }, 20_000)

  it('joins through discovered peers only in topics both are in', async () => {
    const mdns = await loopbackMdns()
    const shared = topicIdFromName('shared')
    const other = topicIdFromName('other')
    const alice = await createNode({ listen: '127.0.0.1:0', mdns })
    const bob = await createNode({ listen: '127.0.0.1:0', mdns })
    const carol = await createNode({ listen: '127.0.0.1:0', mdns })
    nodes.push(alice, bob, carol)
    const a = alice.subscribe(shared)
    const b = bob.subscribe(other)
    const c = carol.subscribe(shared)
    await Promise.all([a.joined({ timeoutMs: 10_000 }), c.joined({ timeoutMs: 10_000 })])
    // By now every node has heard every announcement; bob's topic is nobody else's.
    expect(a.neighbors()).toEqual([carol.id])
    expect(b.neighbors()).toEqual([])
    // A topic subscribed later is announced too (refresh on subscribe).
    const late = bob.subscribe(shared)
    await late.joined({ timeoutMs: 10_000 })
    expect(late.neighbors().length).toBeGreaterThan(0)
  }, 30_000)

  it('rejects bad mDNS options with ERR_INVALID_CONFIG and a message that says what to pass', async () => {
    await expect(createNode({ listen: '127.0.0.1:0', mdns: { interface: 'eth0' } })).rejects.toThrow(/interface must be the IPv4 address/)
    const err = await createNode({ listen: '127.0.0.1:0', mdns: 'yes' as unknown as boolean }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HearsayError)
    expect((err as HearsayError).code).toBe('ERR_INVALID_CONFIG')
    expect((err as Error).message).toMatch(/mdns must be true, false or an object/)
  })
})
