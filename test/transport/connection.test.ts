/**
 * FramedConnection over an in-memory pipe with a write-counting channel: per-tick
 * batching, keepalive pings, handler isolation, and the pre-handler buffer cap.
 */
import { describe, expect, it } from 'vitest'
import type { ByteChannel, ByteChannelEvents } from '../../src/transport/channel.js'
import { FramedConnection } from '../../src/transport/connection.js'
import { FrameDecoder, type DecodedFrame } from '../../src/transport/framing.js'
import { createMemoryPipe } from '../../src/transport/memory.js'
import { DEFAULT_CONNECTION_OPTIONS, type ConnectionOptions } from '../../src/transport/options.js'
import { text, until, within } from './helpers.js'
import { asNodeId } from '../../src/ids.js'

/** Counts the writes a connection makes on its channel. */
class CountingChannel implements ByteChannel {
  writes = 0
  constructor(private readonly inner: ByteChannel) {}
  get remoteAddr(): string {
    return this.inner.remoteAddr
  }
  start(events: ByteChannelEvents): void {
    this.inner.start(events)
  }
  write(chunk: Uint8Array): boolean {
    this.writes++
    return this.inner.write(chunk)
  }
  end(): void {
    this.inner.end()
  }
  destroy(): void {
    this.inner.destroy()
  }
}

function setup(options: Partial<ConnectionOptions> = {}) {
  const [a, b] = createMemoryPipe('127.0.0.1:1', '127.0.0.1:2')
  const channel = new CountingChannel(a)
  const conn = new FramedConnection({
    channel,
    remoteId: asNodeId('ab'.repeat(32)),
    direction: 'outbound',
    serial: 1,
    options: { ...DEFAULT_CONNECTION_OPTIONS, ...options },
  })
  const decoder = new FrameDecoder(1 << 20)
  const frames: DecodedFrame[] = []
  b.start({ onData: (c) => frames.push(...decoder.push(c)), onEnd: () => {}, onDrain: () => {}, onClose: () => {} })
  return { conn, channel, far: b, frames }
}

describe('FramedConnection', () => {
  it('sends every frame queued in one tick with a single channel write', async () => {
    const { conn, channel, frames } = setup()
    const data = () => frames.filter((f) => f.kind === 'data').length
    for (let i = 0; i < 100; i++) conn.send(text(`m${i}`))
    expect(channel.writes).toBe(0)
    await until(() => data() === 100, 2_000, '100 frames')
    expect(channel.writes).toBe(1) // the hello ping and the 100 frames
    expect(frames[0]?.kind).toBe('ping')
    conn.send(text('next tick'))
    await until(() => data() === 101, 2_000, 'one more')
    expect(channel.writes).toBe(2)
  })

  it('sends a ping after keepaliveIntervalMs of silence', async () => {
    const { frames } = setup({ keepaliveIntervalMs: 20, idleTimeoutMs: 0 })
    await until(() => frames.some((f) => f.kind === 'ping'), 2_000, 'a ping')
  })

  it('keeps delivering when a handler throws', async () => {
    const { conn, far } = setup()
    const got: string[] = []
    conn.setHandler({
      onFrame: (f) => {
        got.push(new TextDecoder().decode(f))
        throw new Error('handler bug')
      },
    })
    far.write(Uint8Array.from([0, 0, 0, 0, 1, 0x61, 0, 0, 0, 0, 1, 0x62]))
    await until(() => got.length === 2, 2_000, 'both frames')
    expect(got).toEqual(['a', 'b'])
    expect(conn.isOpen).toBe(true)
  })

  it('caps frames buffered before a handler is set', async () => {
    const { conn, far } = setup({ maxQueuedBytes: 1_000, maxFrameBytes: 500 })
    const frame = Uint8Array.from([0, 0, 0, 0x01, 0xf4, ...new Uint8Array(500)])
    for (let i = 0; i < 3; i++) far.write(frame)
    const info = await within(conn.closed, 2_000, 'overflow close')
    expect(info.reason).toBe('error')
    expect(info.error?.code).toBe('ERR_READ_OVERFLOW')
  })
})
