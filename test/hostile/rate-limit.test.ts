/**
 * Per-peer inbound rate limits: the token buckets on their own (time passed in), and
 * over real sockets on 127.0.0.1 a rogue neighbor that floods valid, genuinely signed
 * messages gets its excess dropped and is then disconnected with ERR_RATE_LIMITED,
 * while the node stays up and its honest neighbors keep 100 % delivery. Honest
 * traffic (a burst of broadcasts as fast as the API takes them) never trips the
 * default limits.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Node, Topic } from '../../src/index.js'
import { TcpTransport, generateIdentity } from '../../src/transport/index.js'
import { EnvelopeSigner } from '../../src/gossip/node/envelope.js'
import { encodeFrame } from '../../src/gossip/wire/codec.js'
import { InboundRateLimiter, TokenBucket, DEFAULT_INBOUND_RATE_LIMITS } from '../../src/transport/rate-limit.js'
import { resolveTransportOptions } from '../../src/transport/options.js'
import { Inbox, TOPIC_A, closeAll, joinAll, startNodes, waitFor } from '../node/helpers.js'

const text = (s: string) => new TextEncoder().encode(s)
let nodes: Node[] = []
let rogue: TcpTransport | undefined
afterEach(async () => {
  await closeAll(nodes)
  await rogue?.close()
  nodes = []
  rogue = undefined
})

describe('token buckets', () => {
  it('a bucket starts full, refills at its rate and never above its burst', () => {
    const bucket = new TokenBucket(10, 5, 0)
    for (let i = 0; i < 5; i++) {
      expect(bucket.has(1)).toBe(true)
      bucket.take(1)
    }
    expect(bucket.has(1)).toBe(false)
    bucket.refill(100) // 10/s for 100 ms: one token
    expect(bucket.has(1)).toBe(true)
    bucket.refill(60_000)
    expect(bucket.has(5)).toBe(true)
    expect(bucket.has(5.001)).toBe(false)
  })

  const limits = { inboundFramesPerSecond: 100, inboundFrameBurst: 10, inboundBytesPerSecond: 0, inboundByteBurst: 1, rateLimitGraceMs: 1_000 }

  it('drops over the limit, then disconnects a peer still over it after the grace period', () => {
    const limiter = new InboundRateLimiter(limits, 1024, 0)
    const verdicts: string[] = []
    // 1,000 frames/s for 1.5 s: ten times the sustained rate.
    for (let i = 0; i < 1_500; i++) {
      const v = limiter.admit(10, i)
      verdicts.push(v)
      if (v === 'disconnect') break
    }
    expect(verdicts.slice(0, 10).every((v) => v === 'accept')).toBe(true)
    expect(verdicts).toContain('drop')
    expect(verdicts.at(-1)).toBe('disconnect')
    const firstDrop = verdicts.indexOf('drop')
    expect(verdicts.length - 1 - firstDrop).toBeGreaterThanOrEqual(1_000)
    expect(limiter.dropped).toBeGreaterThan(800) // about 100 of every 1,000 get through
  })

  it('forgives a short burst once the peer slows down', () => {
    const limiter = new InboundRateLimiter(limits, 1024, 0)
    for (let i = 0; i < 20; i++) limiter.admit(10, 0) // 10 accepted, 10 dropped
    expect(limiter.dropped).toBe(10)
    // Back to 50 frames/s (half the rate) for 5 s: never disconnected, nothing dropped.
    for (let t = 100; t < 5_000; t += 20) expect(limiter.admit(10, t)).toBe('accept')
    expect(limiter.overForMs(5_000)).toBe(0)
  })

  it('the byte bucket always holds one maximum frame, and 0 turns a bucket off', () => {
    const limiter = new InboundRateLimiter({ ...limits, inboundFramesPerSecond: 0, inboundBytesPerSecond: 1, inboundByteBurst: 1 }, 1024, 0)
    expect(limiter.admit(1029, 0)).toBe('accept')
    expect(limiter.admit(1, 0)).toBe('drop')
    expect(InboundRateLimiter.enabled({ ...limits, inboundFramesPerSecond: 0 })).toBe(false)
  })

  it('the defaults are on and validated', () => {
    const options = resolveTransportOptions()
    expect(options.inboundFramesPerSecond).toBe(DEFAULT_INBOUND_RATE_LIMITS.inboundFramesPerSecond)
    expect(() => resolveTransportOptions({ inboundFramesPerSecond: -1 })).toThrow(/inboundFramesPerSecond/)
    expect(() => resolveTransportOptions({ rateLimitGraceMs: 1.5 })).toThrow(/rateLimitGraceMs/)
  })
})

describe('rate limits over real sockets', () => {
  const limited = { inboundFramesPerSecond: 100, inboundFrameBurst: 200, rateLimitGraceMs: 500 }

  it('a neighbor flooding valid signed messages is limited, then disconnected; honest neighbors keep 100 % delivery', async () => {
    nodes = await startNodes(4, { transportOptions: limited })
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const target = nodes[0] as Node
    const inboxes = topics.map((t) => new Inbox(t))
    const identity = generateIdentity()
    rogue = await TcpTransport.create({ identity })
    const conn = await rogue.dial(target.id, target.addr().addrs)
    conn.setHandler({ onFrame: () => {} })
    conn.send(encodeFrame([{ topic: TOPIC_A, message: { type: 'join', seq: 1 } }]))
    await waitFor(() => topics[0]!.neighbors().includes(identity.peerId), 5_000, 'the rogue to be a neighbor')

    // 300 genuine broadcasts signed by the rogue, one per frame, sent over and over.
    const signer = new EnvelopeSigner(identity.secretKey, identity.publicKey)
    const frames = Array.from({ length: 300 }, (_, i) => {
      const { envelope, id } = signer.seal(TOPIC_A, text(`flood ${i}`))
      return encodeFrame([{ topic: TOPIC_A, message: { type: 'gossip', id, origin: identity.peerId, content: envelope, round: 0, scope: 'swarm' } }])
    })
    const honest = ['during 1', 'during 2', 'during 3']
    let sent = 0
    const deadline = Date.now() + 10_000
    for (let tick = 0; conn.isOpen && Date.now() < deadline && tick < 5_000; tick++) {
      for (let i = 0; i < 20; i++) conn.send(frames[sent++ % frames.length] as Uint8Array)
      if (tick < honest.length) await topics[tick + 1]!.broadcast(text(honest[tick] as string))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await waitFor(() => (target.stats().peerErrors['ERR_RATE_LIMITED'] ?? 0) === 1, 5_000, 'the rogue to be disconnected')
    const stats = target.stats()
    expect(stats.rateLimitedFrames).toBeGreaterThan(0)
    expect(stats.forgedDropped).toBe(0)
    expect(stats.badFrames).toBe(0)
    await waitFor(() => !topics[0]!.neighbors().includes(identity.peerId), 5_000, 'the rogue to leave the active view')
    // Fewer of the rogue's messages got through than it sent.
    const fromRogue = inboxes[0]!.received.filter((r) => r.startsWith('flood ')).length
    expect(fromRogue).toBeLessThan(sent)

    // Honest traffic during and after the flood: every honest node delivers every message once.
    const after = ['after 1', 'after 2', 'after 3']
    for (const [i, label] of after.entries()) await topics[i % 4]!.broadcast(text(label))
    for (const [i, inbox] of inboxes.entries()) {
      const expected = [...honest.filter((_, k) => k + 1 !== i), ...after.filter((_, k) => k % 4 !== i)]
      await waitFor(() => expected.every((label) => inbox.count(label) === 1), 10_000, `node ${i} to deliver ${expected.join(', ')}`)
    }
    for (const node of nodes.slice(1)) expect(node.stats().rateLimitedFrames).toBe(0)
    expect(target.stats().peerErrors['ERR_RATE_LIMITED']).toBe(1)
  })

  it('honest bursts never trip the default limits', async () => {
    nodes = await startNodes(4)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inboxes = topics.map((t) => new Inbox(t, 20_000))
    const labels = Array.from({ length: 2_000 }, (_, i) => `burst ${i}`)
    // As fast as the API takes them, from two senders at once.
    await Promise.all(labels.map((label, i) => topics[i % 2]!.broadcast(text(label))))
    for (const [i, inbox] of inboxes.entries()) {
      await waitFor(() => inbox.received.filter((r) => r.startsWith('burst ')).length === labels.length - labels.filter((_, k) => k % 2 === i).length, 20_000, `node ${i} to deliver the burst`)
    }
    for (const node of nodes) {
      expect(node.stats().rateLimitedFrames).toBe(0)
      expect(node.stats().peerErrors).toEqual({})
    }
  })
})
