/**
 * Transport compliance suite: one set of behaviours every `Transport` must show. Run
 * by memory.test.ts (in-memory transport) and tcp.test.ts (Noise over loopback TCP).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/transport/keys.js'
import type { TransportOptions } from '../../src/transport/options.js'
import type { Connection, Transport } from '../../src/transport/types.js'
import { TransportError } from '../../src/transport/errors.js'
import { Cleanup, Collector, text, until, within } from './helpers.js'

export interface TransportHarness {
  /** A started transport listening on loopback, with its address. */
  create(options?: Partial<TransportOptions>): Promise<{ transport: Transport; addr: string }>
  /** An address nothing listens on. */
  deadAddress(): Promise<string>
}

async function expectCode(promise: Promise<unknown>, codes: string[]): Promise<TransportError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected a TransportError with code ${codes.join('|')}`)
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TransportError)
  expect(codes).toContain((err as TransportError).code)
  return err as TransportError
}

export function describeTransportCompliance(name: string, harness: TransportHarness): void {
  describe(`${name}: transport compliance`, () => {
    const cleanup = new Cleanup()
    afterEach(() => cleanup.run())

    async function node(options?: Partial<TransportOptions>) {
      const { transport, addr } = await harness.create(options)
      cleanup.add(transport)
      return { transport, addr, collector: new Collector(transport) }
    }

    it('authenticates both ends and announces the connection on both sides', async () => {
      const a = await node()
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      expect(conn.remoteId).toBe(b.transport.localId)
      expect(conn.direction).toBe('outbound')
      expect(a.collector.connections).toEqual([conn])
      const inbound = await b.collector.first()
      expect(inbound.remoteId).toBe(a.transport.localId)
      expect(inbound.direction).toBe('inbound')
      expect(a.transport.getConnection(b.transport.localId)).toBe(conn)
      await until(() => b.transport.getConnection(a.transport.localId) === inbound, 2_000, 'inbound registered')
    })

    it('delivers frames in order, in both directions, batching a burst', async () => {
      const a = await node()
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      for (let i = 0; i < 500; i++) expect(conn.send(text(`a${i}`))).toBe(true)
      expect(conn.queuedBytes).toBeGreaterThan(0) // queued until the end of the tick
      await b.collector.frameCount(500)
      expect(b.collector.texts()).toEqual(Array.from({ length: 500 }, (_, i) => `a${i}`))
      const back = await b.collector.first()
      back.send(text('reply'))
      back.send(new Uint8Array(0))
      await a.collector.frameCount(2)
      expect(a.collector.texts()).toEqual(['reply', ''])
    })

    it('carries a frame of exactly maxFrameBytes and refuses a larger send', async () => {
      const maxFrameBytes = 200_000
      const a = await node({ maxFrameBytes })
      const b = await node({ maxFrameBytes })
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      const big = new Uint8Array(maxFrameBytes).map((_, i) => i % 251)
      expect(conn.send(big)).toBe(true)
      expect(() => conn.send(new Uint8Array(maxFrameBytes + 1))).toThrow(expect.objectContaining({ code: 'ERR_SEND_TOO_LARGE' }))
      await b.collector.frameCount(1)
      expect(Buffer.from(b.collector.frames[0] as Uint8Array).equals(big)).toBe(true)
    })

    it('copies the frame on send: the caller may reuse its buffer', async () => {
      const a = await node()
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      const buf = text('first')
      conn.send(buf)
      buf.set(text('XXXXX'))
      await b.collector.frameCount(1)
      expect(b.collector.texts()).toEqual(['first'])
    })

    it('graceful close delivers queued frames first and reports local / remote', async () => {
      const a = await node()
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      for (let i = 0; i < 100; i++) conn.send(text(`m${i}`))
      const closing = conn.close()
      expect(conn.isOpen).toBe(false)
      expect(conn.send(text('late'))).toBe(false)
      await within(closing, 5_000, 'close')
      expect(await conn.closed).toEqual({ reason: 'local' })
      const inbound = await b.collector.first()
      expect(await within(inbound.closed, 5_000, 'remote close')).toEqual({ reason: 'remote' })
      expect(b.collector.frames).toHaveLength(100)
      expect(b.collector.texts().at(-1)).toBe('m99')
      expect(a.transport.getConnection(b.transport.localId)).toBeUndefined()
      await until(() => b.transport.connections().length === 0, 2_000, 'b forgets the connection')
    })

    it('coalesces dials: concurrent and repeated dials return the one connection', async () => {
      const a = await node()
      const b = await node()
      const [c1, c2] = await Promise.all([
        a.transport.dial(b.transport.localId, [b.addr]),
        a.transport.dial(b.transport.localId, [b.addr]),
      ])
      expect(c1).toBe(c2)
      expect(await a.transport.dial(b.transport.localId, [b.addr])).toBe(c1)
      expect(a.collector.connections).toHaveLength(1)
      await until(() => b.collector.connections.length === 1, 2_000, 'one inbound')
      expect(b.collector.connections).toHaveLength(1)
    })

    it('resolves a simultaneous dial to one connection, dialed by the smaller id, losing nothing', async () => {
      const a = await node()
      const b = await node()
      const [fromA, fromB] = await Promise.all([
        a.transport.dial(b.transport.localId, [b.addr]),
        b.transport.dial(a.transport.localId, [a.addr]),
      ])
      fromA.send(text('hello from a'))
      fromB.send(text('hello from b'))
      await a.collector.frameCount(1)
      await b.collector.frameCount(1)
      // Every announced connection that is not the survivor must close as 'replaced'.
      const settle = async (c: Collector, t: Transport, peer: string) => {
        await until(() => c.connections.filter((x) => x.isOpen).length === 1, 5_000, 'losers closed')
        const live = t.getConnection(peer) as Connection
        expect(live).toBeDefined()
        for (const other of c.connections) if (other !== live) expect((await other.closed).reason).toBe('replaced')
        return live
      }
      const liveA = await settle(a.collector, a.transport, b.transport.localId)
      const liveB = await settle(b.collector, b.transport, a.transport.localId)
      expect(liveA.direction).not.toBe(liveB.direction)
      const smaller = a.transport.localId < b.transport.localId ? 'a' : 'b'
      expect(liveA.direction).toBe(smaller === 'a' ? 'outbound' : 'inbound')
      expect(a.collector.texts()).toEqual(['hello from b'])
      expect(b.collector.texts()).toEqual(['hello from a'])
      liveA.send(text('after'))
      await b.collector.frameCount(2)
      expect(b.collector.texts()).toEqual(['hello from a', 'after'])
    })

    it('fails with ERR_PEER_ID_MISMATCH when the listener proves another id', async () => {
      const a = await node()
      const b = await node()
      const err = await expectCode(a.transport.dial(generateIdentity().peerId, [b.addr]), ['ERR_PEER_ID_MISMATCH'])
      expect(err.message).toMatch(/expected/)
      expect(a.transport.connections()).toHaveLength(0)
    })

    it('rejects bad dials with typed errors', async () => {
      const a = await node()
      const peer = generateIdentity().peerId
      await expectCode(a.transport.dial(peer, [await harness.deadAddress()]), ['ERR_DIAL_FAILED'])
      await expectCode(a.transport.dial(a.transport.localId, [a.addr]), ['ERR_DIAL_SELF'])
      await expectCode(a.transport.dial(peer, ['nonsense']), ['ERR_INVALID_ADDRESS'])
      await expectCode(a.transport.dial(peer, []), ['ERR_INVALID_ADDRESS'])
      await expectCode(a.transport.dial('not-an-id', [a.addr]), ['ERR_INVALID_PEER_ID'])
    })

    it('tries the next address when one fails', async () => {
      const a = await node()
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [await harness.deadAddress(), b.addr])
      expect(conn.remoteId).toBe(b.transport.localId)
    })

    it('bounds the send queue: send() returns false when full, onDrain follows, accepted frames arrive', async () => {
      const maxQueuedBytes = 64 * 1024
      const a = await node({ maxQueuedBytes, maxFrameBytes: 16 * 1024 })
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      let drained = 0
      conn.setHandler({ onFrame: () => {}, onDrain: () => drained++ })
      const frame = new Uint8Array(1000)
      let accepted = 0
      while (conn.send(frame)) accepted++
      expect(accepted).toBe(Math.floor(maxQueuedBytes / 1005))
      expect(conn.queuedBytes).toBeLessThanOrEqual(maxQueuedBytes)
      await until(() => drained > 0, 5_000, 'drain')
      expect(conn.send(frame)).toBe(true)
      await b.collector.frameCount(accepted + 1)
    })

    it('buffers frames that arrive before a handler is set', async () => {
      const a = await node()
      const b = await node()
      let inbound: Connection | undefined
      b.transport.onConnection((c) => {
        inbound = c // no handler yet
      })
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      conn.send(text('early-1'))
      conn.send(text('early-2'))
      await until(() => inbound !== undefined, 2_000, 'inbound')
      // Wait for bytes to arrive, then attach.
      conn.send(text('marker'))
      const c = new Collector(b.transport)
      await new Promise((resolve) => setTimeout(resolve, 20))
      c.attach(inbound as Connection)
      await c.frameCount(3)
      expect(c.texts()).toEqual(['early-1', 'early-2', 'marker'])
    })

    it('closes an idle link with reason timeout when the peer sends no keepalives', async () => {
      const a = await node({ keepaliveIntervalMs: 0, idleTimeoutMs: 0 })
      const b = await node({ keepaliveIntervalMs: 0, idleTimeoutMs: 150 })
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      const inbound = await b.collector.first()
      const info = await within(inbound.closed, 5_000, 'idle timeout')
      expect(info.reason).toBe('timeout')
      expect(info.error?.code).toBe('ERR_IDLE_TIMEOUT')
      const remote = await within(conn.closed, 5_000, 'peer notices')
      expect(remote.reason).toBe('error')
    })

    it('keeps an idle link up with keepalives', async () => {
      const options = { keepaliveIntervalMs: 25, idleTimeoutMs: 250 }
      const a = await node(options)
      const b = await node(options)
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      const stillOpen = await Promise.race([
        conn.closed.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 800)),
      ])
      expect(stillOpen).toBe(true)
      expect(conn.isOpen).toBe(true)
    })

    it('enforces maxConnections and maxPendingDials', async () => {
      const a = await node({ maxConnections: 1, maxPendingDials: 1 })
      const b = await node()
      const c = await node()
      const d = await node()
      await a.transport.dial(b.transport.localId, [b.addr])
      await expectCode(a.transport.dial(c.transport.localId, [c.addr]), ['ERR_CONNECTION_LIMIT'])
      // Inbound beyond the limit is refused before the handshake.
      await expect(d.transport.dial(a.transport.localId, [a.addr])).rejects.toBeInstanceOf(TransportError)
      const e = await node({ maxPendingDials: 1 })
      const first = e.transport.dial(b.transport.localId, [b.addr])
      await expectCode(e.transport.dial(c.transport.localId, [c.addr]), ['ERR_DIAL_LIMIT'])
      await first
    })

    it('closing the transport closes every connection and refuses new dials', async () => {
      const a = await node()
      const b = await node()
      const conn = await a.transport.dial(b.transport.localId, [b.addr])
      const inbound = await b.collector.first()
      await within(a.transport.close(), 5_000, 'transport close')
      expect((await conn.closed).reason).toBe('local')
      expect((await within(inbound.closed, 5_000, 'remote sees close')).reason).toBe('remote')
      await expectCode(a.transport.dial(b.transport.localId, [b.addr]), ['ERR_TRANSPORT_CLOSED'])
      await expect(a.transport.listen('127.0.0.1:0')).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CLOSED' })
      await expectCode(b.transport.dial(a.transport.localId, [a.addr]), ['ERR_DIAL_FAILED', 'ERR_HANDSHAKE_FAILED'])
    })

    it('reconnects after a close: the new connection is announced again', async () => {
      const a = await node()
      const b = await node()
      const first = await a.transport.dial(b.transport.localId, [b.addr])
      await first.close()
      await until(() => b.transport.connections().length === 0, 2_000, 'b forgets')
      const second = await a.transport.dial(b.transport.localId, [b.addr])
      expect(second).not.toBe(first)
      second.send(text('again'))
      await b.collector.frameCount(1)
      expect(b.collector.connections).toHaveLength(2)
    })

    it('a peer that dropped its side abruptly can dial again; one live connection remains', async () => {
      const a = await node()
      const b = await node()
      const first = await a.transport.dial(b.transport.localId, [b.addr])
      const firstInbound = await b.collector.first()
      // a forgets its side without telling b (as after a crash): b still holds `firstInbound`.
      ;(first as unknown as { abort(reason: string): void }).abort('error')
      const second = await a.transport.dial(b.transport.localId, [b.addr])
      second.send(text('new link'))
      await b.collector.frameCount(1)
      await until(() => b.transport.getConnection(a.transport.localId) !== firstInbound, 2_000, 'replacement')
      expect(b.transport.connections()).toHaveLength(1)
      expect(['replaced', 'error']).toContain((await within(firstInbound.closed, 5_000, 'old closes')).reason)
    })
  })
}
