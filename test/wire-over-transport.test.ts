/** The wire codec over a real secure connection: batches encoded, framed, decoded. */
import { afterEach, describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrames, type WireEntry } from '../src/gossip/wire/codec.js'
import { generateIdentity } from '../src/transport/keys.js'
import { TcpTransport } from '../src/transport/tcp.js'
import { Cleanup, Collector } from './transport/helpers.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('wire codec over TCP + Noise', () => {
  it('delivers batched protocol messages of several topics intact and in order', async () => {
    const a = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    const b = cleanup.add(await TcpTransport.create({ identity: generateIdentity() }))
    const collector = new Collector(b)
    const conn = await a.dial(b.localId, [await b.listen('127.0.0.1:0')])
    const topics = ['aa'.repeat(32), 'bb'.repeat(32)]
    const entries: WireEntry[] = Array.from({ length: 3000 }, (_, i) => ({
      topic: topics[i % 7 === 0 ? 1 : 0] as string,
      message:
        i % 3 === 0
          ? { type: 'gossip', id: i.toString(16).padStart(64, '0'), origin: 'ab'.repeat(32), round: i % 5, scope: 'swarm', content: new Uint8Array(100).fill(i % 256) }
          : { type: 'ihave', entries: [{ id: i.toString(16).padStart(64, '0'), round: 1 }] },
    }))
    const frames = encodeFrames(entries)
    expect(frames.length).toBeGreaterThan(1)
    for (const f of frames) expect(conn.send(f)).toBe(true)
    await collector.frameCount(frames.length)
    expect(collector.frames.flatMap((f) => decodeFrame(f))).toEqual(entries)
  })
})
