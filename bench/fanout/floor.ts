/**
 * The physical floor of one fan-out in one process (docs/method.md): every
 * receiver costs at least one decrypt, one signature check (with the id hash), one
 * frame decode, one encrypt towards the next hop and one loopback socket write + read.
 * Each piece is timed here in isolation with the same primitives hearsay uses
 * (node:crypto ChaCha20-Poly1305 as in Noise, node:crypto Ed25519, the wire codec,
 * a plain TCP socket pair on 127.0.0.1), so fan-out p50 / floor says how much
 * overhead hearsay adds on top of work no implementation can avoid.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createServer, connect, type Socket } from 'node:net'
import { generateIdentity } from '../../src/transport/index.js'
import { EnvelopeSigner, EnvelopeVerifier } from '../../src/gossip/node/envelope.js'
import { decodeFrame, encodeFrame } from '../../src/gossip/wire/codec.js'

export interface FloorFigures {
  /** Microseconds per receiver for each unavoidable step. */
  perReceiverUs: { decrypt: number; verifyAndHash: number; decode: number; encrypt: number; socketWriteRead: number; total: number }
  /** Sign + hash once at the author. */
  signUs: number
  /** (N - 1) x per-receiver total + sign, in ms: the least CPU a fan-out to N - 1 receivers costs. */
  fanoutFloorMs: number
}

function timeUs(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn()
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) fn()
  return Number(process.hrtime.bigint() - start) / 1000 / iterations
}

async function socketWriteReadUs(frameBytes: number, count: number): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
  const client = connect({ port, host: '127.0.0.1', noDelay: true })
  await new Promise<void>((resolve) => client.once('connect', resolve))
  const peer = await accepted
  const frame = randomBytes(frameBytes)
  // Separate writes (one per receiver in a fan-out), amortised over a burst: the CPU a
  // write + read costs, not the loopback wake-up latency.
  const total = frameBytes * count
  let received = 0
  const done = new Promise<void>((resolve) => {
    peer.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= total) resolve()
    })
  })
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) client.write(frame)
  await done
  const us = Number(process.hrtime.bigint() - start) / 1000 / count
  client.destroy()
  peer.destroy()
  server.close()
  return us
}

export async function measureFloor(nodes: number, payloadBytes: number): Promise<FloorFigures> {
  const author = generateIdentity()
  const signer = new EnvelopeSigner(author.secretKey, author.publicKey)
  const topic = 'ab'.repeat(32)
  const payload = randomBytes(payloadBytes)
  const sealed = signer.seal(topic, payload)
  const frame = encodeFrame([{ topic, message: { type: 'gossip', id: sealed.id, origin: author.peerId, content: sealed.envelope, round: 1, scope: 'swarm' } }])
  const key = randomBytes(32)
  const nonce = Buffer.alloc(12)
  const encrypt = () => {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    const out = Buffer.concat([cipher.update(frame), cipher.final()])
    return { out, tag: cipher.getAuthTag() }
  }
  const sample = encrypt()
  const decrypt = () => {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    decipher.setAuthTag(sample.tag)
    return Buffer.concat([decipher.update(sample.out), decipher.final()])
  }
  const iterations = 5_000
  const encryptUs = timeUs(iterations, encrypt)
  const decryptUs = timeUs(iterations, decrypt)
  const decodeUs = timeUs(iterations, () => decodeFrame(frame))
  // A fresh verifier per call would time key building too; hearsay caches keys, and so does this.
  const verifier = new EnvelopeVerifier()
  const verifyUs = timeUs(iterations, () => verifier.open(topic, sealed.id, sealed.envelope))
  const signUs = timeUs(2_000, () => signer.seal(topic, payload))
  const socketUs = await socketWriteReadUs(frame.length + 16 + 2, 2_000)
  const total = decryptUs + verifyUs + decodeUs + encryptUs + socketUs
  const r = (x: number) => Math.round(x * 100) / 100
  return {
    perReceiverUs: { decrypt: r(decryptUs), verifyAndHash: r(verifyUs), decode: r(decodeUs), encrypt: r(encryptUs), socketWriteRead: r(socketUs), total: r(total) },
    signUs: r(signUs),
    fanoutFloorMs: Math.round(((nodes - 1) * total + signUs) / 10) / 100,
  }
}
