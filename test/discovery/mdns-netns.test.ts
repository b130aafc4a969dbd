/**
 * mDNS between real processes over real sockets, inside network namespaces this test
 * creates (never on a real interface): two "hosts" joined by a veth pair, each node
 * pinned to its veth address. Needs root and iproute2; skips with the reason otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topicIdFromName } from '../../src/ticket/topic.js'
import { nodeId } from '../ticket/helpers.js'
import { NsChild, createHostPair, createLoopbackHost, netnsUnavailableReason } from './netns.js'
import type { ChildEvent, HostPair } from './netns.js'

const SKIP = netnsUnavailableReason()
const SKIP_NOTE = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`
const NODE_SCRIPT = 'test/discovery/fixtures/mdns-node.ts'
const GARBAGE_SCRIPT = 'test/discovery/fixtures/mdns-garbage.ts'
const T1 = topicIdFromName('netns-shared')
const T2 = topicIdFromName('netns-other')
const LIFETIME_MS = 60_000

interface NodeSpec {
  readonly n: number
  readonly ns: string
  readonly iface: string
  readonly addrs: string[]
  readonly topics: string[]
}

const children: NsChild[] = []

function startNode(spec: NodeSpec): NsChild {
  const config = { self: { id: nodeId(spec.n), addrs: spec.addrs }, topics: spec.topics, interface: spec.iface, intervalMs: 500, lifetimeMs: LIFETIME_MS }
  const child = new NsChild(`node${spec.n}`, spec.ns, NODE_SCRIPT, [JSON.stringify(config)])
  children.push(child)
  return child
}

const isPeer = (n: number, topics?: string[]) => (e: ChildEvent): boolean =>
  e.event === 'peer' &&
  (e.peer as { id: string }).id === nodeId(n) &&
  (topics === undefined || JSON.stringify(e.topics) === JSON.stringify(topics))

const peerEvents = (child: NsChild, n: number): ChildEvent[] => child.events.filter(isPeer(n))

describe.skipIf(SKIP !== undefined)(`mDNS across network namespaces${SKIP_NOTE}`, () => {
  let hosts: HostPair
  let node1: NsChild // host a, topic T1, concrete address
  let node2: NsChild // host b, topic T1, announces 0.0.0.0:port
  let node3: NsChild // host b, topic T2, IPv4 + IPv6 addresses

  beforeAll(async () => {
    hosts = createHostPair()
    node1 = startNode({ n: 1, ns: hosts.a, iface: hosts.addrA, addrs: ['10.200.0.1:7001'], topics: [T1] })
    node2 = startNode({ n: 2, ns: hosts.b, iface: hosts.addrB, addrs: ['0.0.0.0:7002'], topics: [T1] })
    node3 = startNode({ n: 3, ns: hosts.b, iface: hosts.addrB, addrs: ['10.200.0.2:7003', '[fd00::3]:7003'], topics: [T2] })
    await Promise.all([node1, node2, node3].map((c) => c.waitFor((e) => e.event === 'ready', 'ready event', 20_000)))
  }, 30_000)

  afterAll(() => {
    for (const child of children) child.kill()
    hosts?.destroy()
  })

  it('two hosts on a shared topic discover each other with the right id, addresses and topics', async () => {
    const [seen2, seen1] = await Promise.all([node1.waitFor(isPeer(2), 'node2'), node2.waitFor(isPeer(1), 'node1')])
    // node2 announced 0.0.0.0:7002: node1 sees the address node2's packets came from.
    expect(seen2).toEqual({ event: 'peer', peer: { id: nodeId(2), addrs: ['10.200.0.2:7002'] }, topics: [T1] })
    expect(seen1).toEqual({ event: 'peer', peer: { id: nodeId(1), addrs: ['10.200.0.1:7001'] }, topics: [T1] })
  })

  it('a node on another topic is discovered, with its own topics', async () => {
    const seen3 = await node1.waitFor(isPeer(3), 'node3')
    expect(seen3).toEqual({ event: 'peer', peer: { id: nodeId(3), addrs: ['10.200.0.2:7003', '[fd00::3]:7003'] }, topics: [T2] })
    // same host: node2 and node3 find each other through multicast loopback
    await node3.waitFor(isPeer(2, [T1]), 'node2 from node3')
    await node2.waitFor(isPeer(3, [T2]), 'node3 from node2')
  })

  it('refresh() spreads changed topics to the other host', async () => {
    node3.send({ cmd: 'topics', topics: [T2, T1] })
    const updated = await node1.waitFor(isPeer(3, [T2, T1]), 'node3 with its new topics')
    expect(updated.peer).toEqual({ id: nodeId(3), addrs: ['10.200.0.2:7003', '[fd00::3]:7003'] })
  })

  it('garbage sent to the mDNS port is dropped; the nodes keep running and discovering', async () => {
    const garbage = new NsChild('garbage', hosts.a, GARBAGE_SCRIPT, [hosts.addrA])
    children.push(garbage)
    await garbage.waitFor((e) => e.event === 'sent', 'garbage sent')
    const forged = (e: ChildEvent): boolean => e.event === 'dropped' && /bad node id "nope"/.test(String(e.reason))
    await Promise.all([node2.waitFor(forged, 'the forged record dropped'), node3.waitFor(forged, 'the forged record dropped')])
    await node2.waitFor((e) => e.event === 'dropped' && /^undecodable packet/.test(String(e.reason)), 'an undecodable packet dropped')
    // Still discovering after the garbage: a node that starts now is found across hosts.
    const node4 = startNode({ n: 4, ns: hosts.a, iface: hosts.addrA, addrs: ['10.200.0.1:7004'], topics: [T1] })
    await node4.waitFor((e) => e.event === 'ready', 'ready event', 20_000)
    await node2.waitFor(isPeer(4, [T1]), 'node4 after the garbage')
    for (const child of [node1, node2, node3, node4]) expect([child.name, child.alive]).toEqual([child.name, true])
  })

  it('refuses to start when pinned to an address no interface has', async () => {
    const bad = startNode({ n: 5, ns: hosts.a, iface: '10.200.0.77', addrs: ['10.200.0.77:7005'], topics: [T1] })
    const error = await bad.waitFor((e) => e.event === 'error', 'a start error', 20_000)
    expect(error).toMatchObject({ code: 'ERR_MDNS_START', message: expect.stringMatching(/interface 10\.200\.0\.77/) })
  })

  it('an unchanged peer is reported once, though announced many times', () => {
    // Every node has queried every 500 ms for seconds by now; repeatAfterMs is 10 minutes.
    expect(peerEvents(node1, 2)).toHaveLength(1)
    expect(peerEvents(node2, 1)).toHaveLength(1)
    expect(peerEvents(node1, 3)).toHaveLength(2) // once, then once more after its topics changed
    for (const child of [node1, node2, node3]) expect(peerEvents(child, Number(child.name.slice(4)))).toEqual([])
  })
})

describe.skipIf(SKIP !== undefined)(`mDNS on the loopback interface of a namespace${SKIP_NOTE}`, () => {
  it('two processes pinned to 127.0.0.1 find each other', async () => {
    const host = createLoopbackHost()
    try {
      const a = startNode({ n: 11, ns: host.ns, iface: '127.0.0.1', addrs: ['127.0.0.1:7011'], topics: [T1] })
      const b = startNode({ n: 12, ns: host.ns, iface: '127.0.0.1', addrs: ['127.0.0.1:7012'], topics: [T2] })
      const [seenB, seenA] = await Promise.all([a.waitFor(isPeer(12), 'node12', 20_000), b.waitFor(isPeer(11), 'node11', 20_000)])
      expect(seenB).toEqual({ event: 'peer', peer: { id: nodeId(12), addrs: ['127.0.0.1:7012'] }, topics: [T2] })
      expect(seenA).toEqual({ event: 'peer', peer: { id: nodeId(11), addrs: ['127.0.0.1:7011'] }, topics: [T1] })
    } finally {
      for (const child of children) child.kill()
      host.destroy()
    }
  }, 30_000)
})

describe.skipIf(SKIP === undefined)('mDNS namespace tests', () => {
  it(`are skipped: ${SKIP}`, () => {
    expect(SKIP).toBeDefined()
  })
})
