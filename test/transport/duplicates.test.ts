/**
 * Duplicate-connection rules of BaseTransport, made deterministic by injecting fake
 * inbound connections (in-memory pipes whose far end the test drives) into a memory
 * transport: same-direction re-dials, simultaneous dials by id order, the time window,
 * inbound connections parked behind a dial, and frame forwarding from the loser.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { FRAME_KIND_GOODBYE, FrameDecoder, encodeControlFrame, encodeDataFrames } from '../../src/transport/framing.js'
import { generateIdentity } from '../../src/transport/keys.js'
import { MemoryNetwork, createMemoryPipe, type MemoryTransport } from '../../src/transport/memory.js'
import type { TransportOptions } from '../../src/transport/options.js'
import type { Connection } from '../../src/transport/types.js'
import { Cleanup, Collector, text, until, within } from './helpers.js'
import { asNodeId } from '../../src/ids.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const network = new MemoryNetwork()

/** Two fresh ids, sorted: [smaller, larger]. */
function orderedIds(): [string, string] {
  const ids = [generateIdentity().peerId, generateIdentity().peerId].sort()
  return [ids[0] as string, ids[1] as string]
}

async function transport(id: string, options: Partial<TransportOptions> = {}) {
  const t = cleanup.add(network.createTransport(id, { closeTimeoutMs: 500, ...options }))
  const addr = await t.listen('127.0.0.1:0')
  return { t, addr, collector: new Collector(t) }
}

/** Injects an inbound connection claiming to come from `remoteId`; returns its far end. */
function injectInbound(target: MemoryTransport, remoteId: string) {
  const [ours, theirs] = createMemoryPipe('127.0.0.1:50000', '127.0.0.1:50001')
  const decoder = new FrameDecoder(1 << 20)
  let sawGoodbye = false
  theirs.start({
    onData: (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === 'goodbye' && !sawGoodbye) {
          sawGoodbye = true
          theirs.write(encodeControlFrame(FRAME_KIND_GOODBYE))
          theirs.end()
        }
      }
    },
    onEnd: () => {},
    onDrain: () => {},
    onClose: () => {},
  })
  target.accept(ours, asNodeId(remoteId))
  return { send: (s: string) => theirs.write(encodeDataFrames([text(s)])), sawGoodbye: () => sawGoodbye }
}

const byDirection = (c: Collector, direction: string): Connection => c.connections.find((x) => x.direction === direction) as Connection

describe('duplicate connections', () => {
  it('same direction: the newer inbound replaces the older, and late frames on the older still arrive', async () => {
    const [idB, idX] = orderedIds()
    const b = await transport(idB)
    const first = injectInbound(b.t, idX)
    expect(b.collector.connections).toHaveLength(1)
    const older = b.collector.connections[0] as Connection
    injectInbound(b.t, idX)
    expect(b.collector.connections).toHaveLength(2)
    const newer = b.collector.connections[1] as Connection
    expect(b.t.getConnection(idX)).toBe(newer)
    first.send('late on the old link')
    await b.collector.frameCount(1)
    expect(b.collector.texts()).toEqual(['late on the old link'])
    expect((await within(older.closed, 2_000, 'older closes')).reason).toBe('replaced')
    expect(first.sawGoodbye()).toBe(true)
    expect(newer.isOpen).toBe(true)
  })

  it('simultaneous dial: keeps our outbound when our id is smaller', async () => {
    const [idB, idX] = orderedIds()
    const b = await transport(idB)
    const x = await transport(idX)
    const out = await b.t.dial(idX, [x.addr])
    injectInbound(b.t, idX)
    expect(b.t.getConnection(idX)).toBe(out)
    const injected = byDirection(b.collector, 'inbound')
    expect(injected).toBeUndefined() // the loser was never announced
    expect(b.t.connections()).toEqual([out])
  })

  it('simultaneous dial: the inbound replaces our outbound when the peer id is smaller', async () => {
    const [idX, idB] = orderedIds()
    const b = await transport(idB)
    const x = await transport(idX)
    const out = await b.t.dial(idX, [x.addr])
    injectInbound(b.t, idX)
    const inbound = byDirection(b.collector, 'inbound')
    expect(b.t.getConnection(idX)).toBe(inbound)
    expect((await within(out.closed, 2_000, 'outbound closes')).reason).toBe('replaced')
  })

  it('outside simultaneousDialWindowMs the newer connection wins whatever the ids', async () => {
    const [idB, idX] = orderedIds()
    const b = await transport(idB, { simultaneousDialWindowMs: 0 })
    const x = await transport(idX)
    const out = await b.t.dial(idX, [x.addr])
    const t0 = performance.now()
    await until(() => performance.now() > t0, 1_000, 'the clock to advance')
    injectInbound(b.t, idX)
    const inbound = byDirection(b.collector, 'inbound')
    expect(b.t.getConnection(idX)).toBe(inbound)
    expect((await within(out.closed, 2_000, 'outbound closes')).reason).toBe('replaced')
  })

  it('parks an inbound that completes during our dial, then announces only the winner', async () => {
    const [idX, idB] = orderedIds() // the peer's id is smaller: its inbound must win
    const b = await transport(idB)
    const x = await transport(idX)
    const dialing = b.t.dial(idX, [x.addr])
    const fake = injectInbound(b.t, idX) // completes while the dial is in progress
    expect(b.collector.connections).toHaveLength(0)
    fake.send('from the parked link')
    const winner = await dialing
    expect(winner.direction).toBe('inbound')
    expect(b.collector.connections).toEqual([winner])
    await b.collector.frameCount(1)
    expect(b.collector.texts()).toEqual(['from the parked link'])
  })

  it('parks an inbound behind a dial that fails, and resolves the dial with it', async () => {
    const [idB, idX] = orderedIds()
    const b = await transport(idB)
    const dialing = b.t.dial(idX, ['127.0.0.1:65000']) // nothing there
    injectInbound(b.t, idX)
    const conn = await dialing
    expect(conn.direction).toBe('inbound')
    expect(conn.remoteId).toBe(idX)
    expect(b.collector.connections).toEqual([conn])
  })
})
