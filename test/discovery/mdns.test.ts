/**
 * The mDNS discovery shell over an in-process fake socket bus (no network at all):
 * discovery, deduplication, refresh, the one-announcement-per-second limit, dropped
 * garbage, start failures and option checks. Virtual time via vitest's fake timers.
 */
import * as dnsPacket from 'dns-packet'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import { DiscoveryError } from '../../src/discovery/errors.js'
import { MDNS_DEFAULTS, startMdnsDiscovery } from '../../src/discovery/mdns.js'
import type { MdnsDiscovery, MdnsDiscoveryOptions } from '../../src/discovery/mdns.js'
import { instanceName } from '../../src/discovery/mdns-records.js'
import { TicketError } from '../../src/ticket/errors.js'
import type { NodeAddr } from '../../src/ticket/node-addr.js'
import { topicIdFromName } from '../../src/ticket/topic.js'
import { nodeId } from '../ticket/helpers.js'
import { FakeMdnsBus } from './helpers.js'

const T1 = topicIdFromName('one')
const T2 = topicIdFromName('two')
const SERVICE = MDNS_DEFAULTS.serviceName

interface Started {
  readonly discovery: MdnsDiscovery
  readonly found: Array<{ peer: NodeAddr; topics: string[] }>
  readonly dropped: Array<{ reason: string; from: string | undefined }>
  topics: string[]
}

let bus: FakeMdnsBus
let running: MdnsDiscovery[] = []

beforeEach(() => {
  vi.useFakeTimers()
  bus = new FakeMdnsBus()
})
afterEach(async () => {
  await Promise.all(running.map((d) => d.close()))
  running = []
  vi.useRealTimers()
})

async function start(n: number, address: string, topics: string[], extra: Partial<MdnsDiscoveryOptions> = {}): Promise<Started> {
  const started = { found: [], dropped: [], topics } as unknown as Started & { discovery: MdnsDiscovery }
  started.discovery = await startMdnsDiscovery(
    {
      self: { id: nodeId(n), addrs: [`${address}:${7000 + n}`] },
      topics: () => started.topics,
      onPeer: (peer, t) => started.found.push({ peer, topics: t }),
      onDropped: (reason, from) => started.dropped.push({ reason, from }),
      intervalMs: 1_000,
      ...extra,
    },
    { createSocket: bus.factory(address) },
  )
  running.push(started.discovery)
  return started
}

describe('mDNS discovery over a fake bus', () => {
  it('two nodes find each other with id, addresses and topics; nobody reports itself', async () => {
    const a = await start(1, '10.200.0.1', [T1])
    const b = await start(2, '10.200.0.2', [T1, T2])
    await vi.advanceTimersByTimeAsync(10)
    expect(a.found).toHaveLength(1) // b's first announcement
    expect(b.found).toHaveLength(0) // a answers b's query once a second has passed since a's own announcement
    await vi.advanceTimersByTimeAsync(1_000)
    expect(a.found).toEqual([{ peer: { id: nodeId(2), addrs: ['10.200.0.2:7002'] }, topics: [T1, T2] }])
    expect(b.found).toEqual([{ peer: { id: nodeId(1), addrs: ['10.200.0.1:7001'] }, topics: [T1] }])
  })

  it('reports an unchanged peer once per repeatAfterMs, however often it announces', async () => {
    const a = await start(1, '10.200.0.1', [T1], { repeatAfterMs: 30_000 })
    await start(2, '10.200.0.2', [T1])
    await vi.advanceTimersByTimeAsync(29_000)
    expect(bus.count('response', '10.200.0.2')).toBeGreaterThan(10)
    expect(a.found).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(a.found).toHaveLength(2)
  })

  it('refresh() announces changed topics, and peers report the change at once', async () => {
    const a = await start(1, '10.200.0.1', [T1], { intervalMs: 60_000 })
    const b = await start(2, '10.200.0.2', [T1], { intervalMs: 60_000 })
    await vi.advanceTimersByTimeAsync(1_500)
    expect(a.found.map((f) => f.topics)).toEqual([[T1]])
    b.topics = [T1, T2]
    b.discovery.refresh()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(a.found.map((f) => f.topics)).toEqual([[T1], [T1, T2]])
  })

  it('answers queries with at most one announcement per second', async () => {
    await start(1, '10.200.0.1', [T1], { intervalMs: 3_600_000 })
    await vi.advanceTimersByTimeAsync(2_000) // start: 1 announcement, plus 1 answering its own query
    expect(bus.count('response', '10.200.0.1')).toBe(2)
    const query = dnsPacket.encode({ type: 'query', questions: [{ name: SERVICE, type: 'PTR' }] })
    for (let i = 0; i < 50; i++) bus.inject(query, '10.200.0.66')
    await vi.advanceTimersByTimeAsync(0)
    expect(bus.count('response', '10.200.0.1')).toBe(3)
    for (let i = 0; i < 50; i++) bus.inject(query, '10.200.0.66')
    await vi.advanceTimersByTimeAsync(999)
    expect(bus.count('response', '10.200.0.1')).toBe(3)
    await vi.advanceTimersByTimeAsync(1)
    expect(bus.count('response', '10.200.0.1')).toBe(4) // the second burst is answered once, when the second ends
    await vi.advanceTimersByTimeAsync(5_000)
    expect(bus.count('response', '10.200.0.1')).toBe(4)
    // questions for other names are not answered
    bus.inject(dnsPacket.encode({ type: 'query', questions: [{ name: '_other._udp.local', type: 'PTR' }] }), '10.200.0.66')
    await vi.advanceTimersByTimeAsync(2_000)
    expect(bus.count('response', '10.200.0.1')).toBe(4)
  })

  it('drops garbage and malformed records without throwing, and keeps working', async () => {
    const a = await start(1, '10.200.0.1', [T1])
    bus.inject(Buffer.from('definitely not dns'), '10.200.0.66')
    bus.inject(Buffer.alloc(0), '10.200.0.66')
    const forged = (strings: string[]): Buffer =>
      dnsPacket.encode({ type: 'response', answers: [{ name: instanceName(nodeId(9), SERVICE), type: 'TXT', data: strings }] })
    bus.inject(forged(['v=1', 'id=nope', 'a=1.2.3.4:5']), '10.200.0.66')
    bus.inject(forged(['v=1', `id=${nodeId(9)}`, 'a=host.example:5']), '10.200.0.66')
    await vi.advanceTimersByTimeAsync(10)
    expect(a.found).toEqual([])
    expect(a.dropped.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^undecodable packet/),
      expect.stringMatching(/^undecodable packet/),
      expect.stringMatching(/bad node id "nope"/),
      expect.stringMatching(/host names are not allowed/),
    ])
    expect(a.dropped.slice(2).map((d) => d.from)).toEqual(['10.200.0.66:5353', '10.200.0.66:5353'])
    await start(2, '10.200.0.2', [T2])
    await vi.advanceTimersByTimeAsync(10)
    expect(a.found.map((f) => f.peer.id)).toEqual([nodeId(2)])
  })

  it('a throwing onPeer or topics() is logged, not propagated', async () => {
    const errors: string[] = []
    const log = Object.assign(() => {}, { error: (f: string, ...args: unknown[]) => errors.push(`${f} ${args.join(' ')}`), trace: () => {}, enabled: false, newScope: () => log })
    await start(1, '10.200.0.1', [T1], { onPeer: () => { throw new Error('boom') }, logger: log as never })
    const b = await start(2, '10.200.0.2', [], { topics: () => { throw new Error('no topics') }, logger: log as never })
    await vi.advanceTimersByTimeAsync(1_010)
    expect(errors.some((e) => e.includes('onPeer threw') && e.includes('boom'))).toBe(true)
    expect(errors.some((e) => e.includes('topics() threw') && e.includes('no topics'))).toBe(true)
    expect(b.found.map((f) => f.peer.id)).toEqual([nodeId(1)])
  })

  it('announces at most 8 topics, skipping invalid ones', async () => {
    const many = Array.from({ length: 12 }, (_, i) => topicIdFromName(`t${i}`))
    const a = await start(1, '10.200.0.1', [T1])
    await start(2, '10.200.0.2', ['not-a-topic', ...many])
    await vi.advanceTimersByTimeAsync(10)
    expect(a.found[0]?.topics).toEqual(many.slice(0, 8))
  })

  it('stops sending after close(); close is idempotent', async () => {
    const a = await start(1, '10.200.0.1', [T1])
    await vi.advanceTimersByTimeAsync(10)
    const sent = bus.sent.length
    await Promise.all([a.discovery.close(), a.discovery.close()])
    a.discovery.refresh()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(bus.sent.length).toBe(sent)
    expect(bus.sockets[0]?.destroyed).toBe(true)
  })
})

describe('starting', () => {
  const options = (extra: Partial<MdnsDiscoveryOptions> = {}): MdnsDiscoveryOptions => ({
    self: { id: nodeId(1), addrs: ['0.0.0.0:7001'] },
    topics: () => [],
    onPeer: () => {},
    ...extra,
  })

  it('fails with ERR_MDNS_START when the socket cannot bind, and closes it', async () => {
    const err = await startMdnsDiscovery(options(), { createSocket: bus.factory('10.0.0.1', { fail: new Error('bind EADDRINUSE') }) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DiscoveryError)
    expect(err).toMatchObject({ code: 'ERR_MDNS_START', message: expect.stringMatching(/0\.0\.0\.0:5353: bind EADDRINUSE/) })
    expect(bus.sockets[0]?.destroyed).toBe(true)
  })

  it('fails when pinned to an interface that cannot join the group', async () => {
    const createSocket = bus.factory('10.0.0.1', { warnBeforeReady: new Error('addMembership EADDRNOTAVAIL') })
    await expect(startMdnsDiscovery(options({ interface: '10.9.9.9' }), { createSocket })).rejects.toThrow(/interface 10\.9\.9\.9.*EADDRNOTAVAIL/)
    // unpinned, a failing interface is only logged
    const d = await startMdnsDiscovery(options(), { createSocket: bus.factory('10.0.0.2', { warnBeforeReady: new Error('x') }) })
    await d.close()
  })

  it('passes pinning options through to multicast-dns', async () => {
    const seen: unknown[] = []
    const factory = bus.factory('10.0.0.1')
    const d = await startMdnsDiscovery(options({ interface: '10.200.0.1', port: 5454 }), {
      createSocket: (o) => {
        seen.push(o)
        return factory()
      },
    })
    await d.close()
    expect(seen).toEqual([expect.objectContaining({ interface: '10.200.0.1', bind: '0.0.0.0', port: 5454, ip: '224.0.0.251', type: 'udp4' })])
  })

  it('rejects bad options before opening a socket', async () => {
    const createSocket = bus.factory('10.0.0.1')
    const bad: Array<[Partial<MdnsDiscoveryOptions>, RegExp]> = [
      [{ serviceName: 'hearsay' }, /serviceName/],
      [{ serviceName: '_HEARSAY._udp.local' }, /serviceName/],
      [{ serviceName: '_waytoolongservicename._udp.local' }, /serviceName/],
      [{ intervalMs: 10 }, /intervalMs must be an integer in 100\.\.3600000/],
      [{ port: 0 }, /port/],
      [{ maxPeers: 0 }, /maxPeers/],
      [{ repeatAfterMs: -1 }, /repeatAfterMs/],
      [{ interface: 'eth0' }, /interface must be the IPv4 address/],
      [{ bind: '::' }, /bind must be an IPv4 address/],
      [{ topics: 'x' as never }, /topics must be a function/],
    ]
    for (const [extra, message] of bad) {
      await expect(startMdnsDiscovery(options(extra), { createSocket })).rejects.toThrow(ConfigError)
      await expect(startMdnsDiscovery(options(extra), { createSocket })).rejects.toThrow(message)
    }
    await expect(startMdnsDiscovery(options({ self: { id: 'x', addrs: [] } }), { createSocket })).rejects.toThrow(TicketError)
    expect(bus.sockets).toHaveLength(0)
  })
})
