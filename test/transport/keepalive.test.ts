/**
 * Keepalive and the silent-peer deadline: the hello ping, a peer that goes silent after
 * its hello is closed within the deadline, one that never sent a hello (an older
 * release) only after idleTimeoutMs, and a stalled event loop does not drop links.
 * In-memory pipes, and real sockets on 127.0.0.1 only; every wait is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ByteChannel } from '../../src/transport/channel.js'
import { BaseTransport, SILENT_PEER_CONNECT_RTTS } from '../../src/transport/base.js'
import { FramedConnection, SILENT_PEER_RTT_FACTOR } from '../../src/transport/connection.js'
import { FrameDecoder, type DecodedFrame } from '../../src/transport/framing.js'
import { generateIdentity } from '../../src/transport/keys.js'
import { createMemoryPipe } from '../../src/transport/memory.js'
import { DEFAULT_CONNECTION_OPTIONS, resolveTransportOptions, type ConnectionOptions } from '../../src/transport/options.js'
import { TcpTransport } from '../../src/transport/tcp.js'
import { Collector, text, until, within } from './helpers.js'
import { asNodeId } from '../../src/ids.js'

const FAST = { keepaliveIntervalMs: 50, idleTimeoutMs: 2_000, silentPeerMinMs: 100, silentPeerMaxMs: 1_000 }

function connect(options: Partial<ConnectionOptions>, rttMs?: number) {
  const [a, b] = createMemoryPipe('127.0.0.1:1', '127.0.0.1:2')
  const channel: ByteChannel = a
  if (rttMs !== undefined) channel.handshakeRttMs = rttMs
  const conn = new FramedConnection({ channel, remoteId: asNodeId('ab'.repeat(32)), direction: 'outbound', serial: 1, options: { ...DEFAULT_CONNECTION_OPTIONS, ...options } })
  const decoder = new FrameDecoder(1 << 20)
  const frames: DecodedFrame[] = []
  b.start({ onData: (c) => frames.push(...decoder.push(c)), onEnd: () => {}, onDrain: () => {}, onClose: () => {} })
  return { conn, far: b, frames }
}

describe('keepalive: hello and silent-peer deadline', () => {
  it('every connection opens with a ping (the hello), before any data', async () => {
    const { conn, frames } = connect({})
    conn.send(text('first data'))
    await until(() => frames.length >= 2, 2_000, 'two frames')
    expect(frames.map((f) => f.kind)).toEqual(['ping', 'data'])
  })

  it('no hello when keepalives are off', async () => {
    const { conn, frames } = connect({ keepaliveIntervalMs: 0 })
    conn.send(text('only data'))
    await until(() => frames.length >= 1, 2_000, 'a frame')
    expect(frames.map((f) => f.kind)).toEqual(['data'])
  })

  it('the deadline is the keepalive interval plus 8 round trips, within its bounds', async () => {
    const cases: [number, number][] = [
      [0.2, 1_000 + 2_000], // LAN: the lower bound
      [90, 1_000 + 2_000], // weak 4G
      [600, 1_000 + SILENT_PEER_RTT_FACTOR * 600], // satellite
      [5_000, 1_000 + 15_000], // the upper bound
    ]
    for (const [rtt, expected] of cases) {
      const { conn, far } = connect({ idleTimeoutMs: 60_000 }, rtt)
      expect(conn.silenceLimitMs).toBe(60_000) // no hello seen yet: the idle timeout
      far.write(Uint8Array.of(0x01))
      await until(() => conn.silenceLimitMs !== 60_000, 2_000, 'hello seen')
      expect([rtt, conn.silenceLimitMs]).toEqual([rtt, Math.ceil(expected)])
      far.destroy()
    }
    // idleTimeoutMs caps it.
    const { conn, far } = connect({ idleTimeoutMs: 4_000 }, 5_000)
    far.write(Uint8Array.of(0x01))
    await until(() => conn.silenceLimitMs === 4_000, 2_000, 'capped deadline')
    far.destroy()
  })

  it('a peer that sent a hello and then went silent is closed within the deadline', async () => {
    const { conn, far } = connect(FAST, 1)
    far.write(Uint8Array.of(0x01)) // hello, then nothing: unplugged
    const started = performance.now()
    const info = await within(conn.closed, 2_000, 'silent peer closed')
    const tookMs = performance.now() - started
    expect(info.reason).toBe('timeout')
    expect(info.error?.code).toBe('ERR_IDLE_TIMEOUT')
    expect(info.error?.message).toMatch(/silent-peer deadline 150 ms/)
    expect(tookMs).toBeGreaterThanOrEqual(140)
    expect(tookMs).toBeLessThan(1_000)
  })

  it('a peer without a hello (an older release) gets idleTimeoutMs, not the short deadline', async () => {
    const { conn, far } = connect({ ...FAST, idleTimeoutMs: 700 }, 1)
    far.write(Uint8Array.from([0, 0, 0, 0, 1, 0x61])) // data first: no hello
    const stillOpen = await Promise.race([conn.closed.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 400))])
    expect(stillOpen).toBe(true)
    const info = await within(conn.closed, 2_000, 'idle timeout')
    expect(info.error?.code).toBe('ERR_IDLE_TIMEOUT')
    expect(info.error?.message).not.toMatch(/silent-peer/)
  })
})

describe('keepalive: round trip from echo frames', () => {
  it('answers an echo with an echo reply at once', async () => {
    const { far, frames } = connect({ keepaliveIntervalMs: 0 })
    far.write(Uint8Array.of(0x03))
    await until(() => frames.some((f) => f.kind === 'echoReply'), 2_000, 'an echo reply')
  })

  it('sends echoes only to a peer that sent a hello, and smooths the round trip of the replies', async () => {
    const { conn, far, frames } = connect({ ...FAST, idleTimeoutMs: 0 }, 400)
    await until(() => frames.some((f) => f.kind === 'ping'), 2_000, 'our hello')
    // Three keepalive intervals without a hello from the peer: pings only, no echo.
    await new Promise((resolve) => setTimeout(resolve, 3 * FAST.keepaliveIntervalMs))
    expect(frames.some((f) => f.kind === 'echo')).toBe(false)
    expect(conn.rttMs).toBe(400) // the handshake's, until a reply comes
    far.write(Uint8Array.of(0x01)) // hello
    // The far side answers each echo 20 ms late (a 20 ms round trip).
    let answered = 0
    const seen = new Set<number>()
    await until(() => {
      frames.forEach((f, i) => {
        if (f.kind === 'echo' && !seen.has(i)) {
          seen.add(i)
          setTimeout(() => {
            far.write(Uint8Array.of(0x04))
            answered++
          }, 20)
        }
      })
      return answered >= 3
    }, 3_000, 'three echoes answered')
    await until(() => (conn.rttMs ?? 400) < 100, 1_000, 'round trip from the replies')
    expect(conn.rttMs).toBeGreaterThanOrEqual(15)
    expect(conn.silenceLimitMs).toBe(Math.ceil(FAST.keepaliveIntervalMs + SILENT_PEER_RTT_FACTOR * (conn.rttMs as number)))
  })
})

/** A transport whose every dial reaches a peer that says hello and then nothing (unplugged). */
class SilentPeerTransport extends BaseTransport {
  readonly connectTimeouts: number[] = []
  constructor(options: Parameters<typeof resolveTransportOptions>[0]) {
    super(asNodeId('cd'.repeat(32)), resolveTransportOptions(options))
  }
  get listenAddrs(): readonly string[] {
    return []
  }
  listen(): Promise<string> {
    return Promise.reject(new Error('not listening'))
  }
  protected connect(_peerId: string, _addr: string, _signal: AbortSignal, connectTimeoutMs: number): Promise<ByteChannel> {
    this.connectTimeouts.push(connectTimeoutMs)
    const [near, far] = createMemoryPipe('127.0.0.1:1', '127.0.0.1:2')
    near.handshakeRttMs = 2
    far.start({ onData: () => {}, onEnd: () => {}, onDrain: () => {}, onClose: () => {} })
    far.write(Uint8Array.of(0x01))
    return Promise.resolve(near)
  }
  protected stopListening(): Promise<void> {
    return Promise.resolve()
  }
}

describe('redialing a peer whose link died of silence', () => {
  it('uses a short connect timeout (a few round trips, at least 1 s) for a while', async () => {
    const transport = new SilentPeerTransport({ ...FAST, connectTimeoutMs: 5_000 })
    const peer = 'ab'.repeat(32)
    try {
      const conn = await transport.dial(peer, ['127.0.0.1:9'])
      conn.setHandler({ onFrame: () => {} })
      const info = await within(conn.closed, 2_000, 'silent peer closed')
      expect(info.error?.code).toBe('ERR_IDLE_TIMEOUT')
      await transport.dial(peer, ['127.0.0.1:9'])
      expect(transport.connectTimeouts).toEqual([5_000, Math.max(1_000, SILENT_PEER_CONNECT_RTTS * 2)])
    } finally {
      await transport.close()
    }
  })
})

describe('keepalive over TCP on 127.0.0.1', () => {
  const transports: TcpTransport[] = []
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()))
  })

  async function pair(options: Partial<ReturnType<typeof resolveTransportOptions>>) {
    const a = await TcpTransport.create({ identity: generateIdentity(), ...options })
    const b = await TcpTransport.create({ identity: generateIdentity(), ...options })
    transports.push(a, b)
    const addr = await b.listen('127.0.0.1:0')
    const inbound = new Collector(b)
    const conn = await a.dial(b.localId, [addr])
    await until(() => inbound.connections.length === 1, 2_000, 'inbound connection')
    return { conn: conn as FramedConnection, inbound: inbound.connections[0] as FramedConnection, inboundCollector: inbound }
  }

  it('measures the handshake round trip and arms the short deadline on both sides', async () => {
    const { conn, inbound } = await pair(FAST)
    expect(conn.handshakeRttMs).toBeGreaterThan(0)
    expect(conn.handshakeRttMs).toBeLessThan(1_000)
    expect(inbound.handshakeRttMs).toBeGreaterThan(0)
    await until(() => conn.silenceLimitMs < 2_000 && inbound.silenceLimitMs < 2_000, 2_000, 'hello on both sides')
    // Echo replies replace the handshake's figure (loopback: well under a millisecond or so).
    await until(() => conn.rttMs !== conn.handshakeRttMs && inbound.rttMs !== inbound.handshakeRttMs, 2_000, 'echo round trips')
    expect(conn.rttMs).toBeLessThan(100)
  })

  it('an idle link stays up for many deadlines: pings are enough', async () => {
    const { conn, inbound } = await pair(FAST)
    const stillOpen = await Promise.race([
      Promise.race([conn.closed, inbound.closed]).then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 1_000)),
    ])
    expect(stillOpen).toBe(true)
  })

  it('a stalled event loop (longer than the deadline) does not drop the links', async () => {
    const { conn, inbound, inboundCollector } = await pair(FAST)
    await until(() => conn.silenceLimitMs < 2_000 && inbound.silenceLimitMs < 2_000, 2_000, 'hello on both sides')
    const stallUntil = performance.now() + 4 * conn.silenceLimitMs
    while (performance.now() < stallUntil) {
      // busy: neither side reads, pings or checks
    }
    conn.send(text('after the stall'))
    await inboundCollector.frameCount(1, 2_000)
    expect(conn.isOpen && inbound.isOpen).toBe(true)
  })
})
