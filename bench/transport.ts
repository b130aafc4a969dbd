/**
 * Transport benchmark over loopback (127.0.0.1 only): handshake time and CPU, one-way latency
 * of small frames, and throughput for 256 B and 16 KiB payloads over one Noise-secured
 * connection, next to plain TCP with the very same framing, measured in the same run.
 *
 * stdout: ONE JSON object (params included). stderr: a human-readable table.
 * Every loop is bounded in count and time; the whole run takes well under 60 s.
 *
 *   npm run bench:transport
 */
import '../src/polyfill.js'
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net'
import { cpus } from 'node:os'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { FramedConnection } from '../src/transport/connection.js'
import { generateIdentity } from '../src/transport/keys.js'
import { fastNoiseCrypto } from '../src/transport/noise-crypto.js'
import { DEFAULT_CONNECTION_OPTIONS } from '../src/transport/options.js'

/** A throughput benchmark floods on purpose: the per-peer inbound rate limits are off here. */
const NO_RATE_LIMITS = { inboundFramesPerSecond: 0, inboundBytesPerSecond: 0 }
import { createNoiseEncrypter, secureSocket, type NoiseEncrypter } from '../src/transport/secure-channel.js'
import { TcpTransport } from '../src/transport/tcp.js'
import type { Connection } from '../src/transport/types.js'
import { PlainSocketChannel } from './transport-plain.js'
import { asNodeId } from '../src/ids.js'

const HOST = '127.0.0.1'

const params = {
  host: HOST,
  /** Both ends run in this one process (one event loop): latencies exclude cross-process wakeups, throughput shares one core. */
  singleProcess: true,
  handshakes: 100,
  warmupHandshakes: 10,
  pingPongs: 2000,
  warmupPingPongs: 200,
  latencyFrameBytes: 32,
  throughputPayloadBytes: [256, 16_384],
  throughputDurationMs: 2_000,
  maxQueuedBytes: DEFAULT_CONNECTION_OPTIONS.maxQueuedBytes,
  mbIsBytes: 1_000_000,
}

/** Hard cap on the whole run. */
const RUN_DEADLINE_MS = 55_000
const startedAt = performance.now()

function checkDeadline(): void {
  if (performance.now() - startedAt > RUN_DEADLINE_MS) throw new Error(`benchmark exceeded ${RUN_DEADLINE_MS} ms`)
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

interface Summary {
  n: number
  median_ms: number
  p99_ms: number
  /** Handshakes only: process CPU (both ends, all threads) per handshake, warm-up included. */
  cpu_ms?: number
}

/** Runs a handshake measurement and adds its CPU per handshake (both ends run in this process). */
async function withCpu(run: () => Promise<number[]>): Promise<Summary> {
  const start = process.cpuUsage()
  const samples = await run()
  const used = process.cpuUsage(start)
  const cpuMs = (used.user + used.system) / 1000 / (params.warmupHandshakes + params.handshakes)
  return { ...summarize(samples), cpu_ms: Math.round(cpuMs * 1000) / 1000 }
}

function summarize(samplesMs: number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN
  const round = (x: number): number => Math.round(x * 1000) / 1000
  return { n: sorted.length, median_ms: round(at(0.5)), p99_ms: round(at(0.99)) }
}

// ---- plain TCP pairs ----

function listenRaw(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ noDelay: true, allowHalfOpen: true }, onSocket)
  return new Promise((resolve) => server.listen({ host: HOST, port: 0 }, () => resolve({ server, port: (server.address() as { port: number }).port })))
}

function connectRaw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: HOST, port, noDelay: true, allowHalfOpen: true })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

let serial = 0
function framed(socket: Socket, direction: 'inbound' | 'outbound'): FramedConnection {
  return new FramedConnection({
    channel: new PlainSocketChannel(socket),
    remoteId: asNodeId('00'.repeat(32)),
    direction,
    serial: ++serial,
    options: { ...DEFAULT_CONNECTION_OPTIONS, ...NO_RATE_LIMITS },
  })
}

interface Pair {
  sender: Connection
  receiver: Connection
  close(): Promise<void>
}

async function plainPair(): Promise<Pair> {
  let accepted!: (s: Socket) => void
  const inbound = new Promise<Socket>((resolve) => (accepted = resolve))
  const { server, port } = await listenRaw((s) => accepted(s))
  const sender = framed(await connectRaw(port), 'outbound')
  const receiver = framed(await inbound, 'inbound')
  return {
    sender,
    receiver,
    close: async () => {
      await Promise.all([sender.close(), receiver.close()])
      await closeServer(server)
    },
  }
}

async function securePair(): Promise<Pair> {
  const a = await TcpTransport.create({ identity: generateIdentity(), ...NO_RATE_LIMITS })
  const b = await TcpTransport.create({ identity: generateIdentity(), ...NO_RATE_LIMITS })
  const addr = await b.listen(`${HOST}:0`)
  let accepted!: (c: Connection) => void
  const inbound = new Promise<Connection>((resolve) => (accepted = resolve))
  b.onConnection(accepted)
  const sender = await a.dial(b.localId, [addr])
  const receiver = await within(inbound, 5_000, 'inbound connection')
  return {
    sender,
    receiver,
    close: async () => {
      await Promise.all([a.close(), b.close()])
    },
  }
}

// ---- handshakes ----

async function handshakeViaTransport(): Promise<number[]> {
  const a = await TcpTransport.create({ identity: generateIdentity() })
  const b = await TcpTransport.create({ identity: generateIdentity() })
  const addr = await b.listen(`${HOST}:0`)
  let inboundClosed: Promise<unknown> = Promise.resolve()
  b.onConnection((c) => {
    c.setHandler({ onFrame: () => {} })
    inboundClosed = c.closed
  })
  const samples: number[] = []
  for (let i = 0; i < params.warmupHandshakes + params.handshakes; i++) {
    checkDeadline()
    const t0 = performance.now()
    const conn = await a.dial(b.localId, [addr])
    const elapsed = performance.now() - t0
    if (i >= params.warmupHandshakes) samples.push(elapsed)
    await conn.close()
    await within(inboundClosed, 5_000, 'inbound close')
  }
  await Promise.all([a.close(), b.close()])
  return samples
}

/** Connect + Noise XX only (no transport bookkeeping), with the given encrypters. */
async function handshakeRaw(client: NoiseEncrypter, server: NoiseEncrypter, serverId: string): Promise<number[]> {
  const signal = new AbortController().signal
  const serverSockets: Socket[] = []
  const { server: listener, port } = await listenRaw((socket) => {
    serverSockets.push(socket)
    secureSocket({ socket, encrypter: server, direction: 'inbound', handshakeTimeoutMs: 5_000, signal }).catch(() => socket.destroy())
  })
  const samples: number[] = []
  for (let i = 0; i < params.warmupHandshakes + params.handshakes; i++) {
    checkDeadline()
    const t0 = performance.now()
    const socket = await connectRaw(port)
    await secureSocket({ socket, encrypter: client, direction: 'outbound', expectedPeer: serverId, handshakeTimeoutMs: 5_000, signal })
    const elapsed = performance.now() - t0
    if (i >= params.warmupHandshakes) samples.push(elapsed)
    socket.destroy()
  }
  for (const s of serverSockets) s.destroy()
  await closeServer(listener)
  return samples
}

async function handshakePlain(): Promise<number[]> {
  const sockets: Socket[] = []
  const { server, port } = await listenRaw((s) => sockets.push(s))
  const samples: number[] = []
  for (let i = 0; i < params.warmupHandshakes + params.handshakes; i++) {
    checkDeadline()
    const t0 = performance.now()
    const socket = await connectRaw(port)
    const elapsed = performance.now() - t0
    if (i >= params.warmupHandshakes) samples.push(elapsed)
    socket.destroy()
  }
  for (const s of sockets) s.destroy()
  await closeServer(server)
  return samples
}

// ---- latency ----

/** Sequential ping-pongs of small frames; one-way latency = round trip / 2. */
async function oneWayLatency(pair: Pair): Promise<number[]> {
  const frame = new Uint8Array(params.latencyFrameBytes)
  pair.receiver.setHandler({ onFrame: (f) => pair.receiver.send(f) })
  let pong!: () => void
  pair.sender.setHandler({ onFrame: () => pong() })
  const samples: number[] = []
  for (let i = 0; i < params.warmupPingPongs + params.pingPongs; i++) {
    if (i % 100 === 0) checkDeadline()
    const answered = new Promise<void>((resolve) => (pong = resolve))
    const t0 = performance.now()
    pair.sender.send(frame)
    await within(answered, 5_000, 'pong')
    if (i >= params.warmupPingPongs) samples.push((performance.now() - t0) / 2)
  }
  return samples
}

// ---- throughput ----

interface Throughput {
  frames: number
  duration_ms: number
  frames_per_s: number
  mb_per_s: number
}

/** Sends `payloadBytes` frames as fast as backpressure allows for the configured duration. */
async function throughput(pair: Pair, payloadBytes: number): Promise<Throughput> {
  const payload = new Uint8Array(payloadBytes).fill(0x5a)
  let received = 0
  let sent = 0
  let sending = true
  let finished!: () => void
  const allReceived = new Promise<void>((resolve) => (finished = resolve))
  pair.receiver.setHandler({
    onFrame: () => {
      received++
      if (!sending && received === sent) finished()
    },
  })
  let drained: (() => void) | undefined
  pair.sender.setHandler({ onFrame: () => {}, onDrain: () => drained?.() })
  const t0 = performance.now()
  const stopAt = t0 + params.throughputDurationMs
  while (performance.now() < stopAt) {
    checkDeadline()
    // Fill the queue up to its cap (one batched write per tick), then wait for room.
    for (let i = 0; i < 4096 && pair.sender.send(payload); i++) sent++
    if (pair.sender.queuedBytes + payloadBytes + 5 > params.maxQueuedBytes) {
      await within(new Promise<void>((resolve) => (drained = resolve)), 10_000, 'drain')
    } else {
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  sending = false
  if (received === sent) finished()
  await within(allReceived, 20_000, 'all frames received')
  const seconds = (performance.now() - t0) / 1000
  return {
    frames: received,
    duration_ms: Math.round(seconds * 1000),
    frames_per_s: Math.round(received / seconds),
    mb_per_s: Math.round(((received * payloadBytes) / seconds / params.mbIsBytes) * 10) / 10,
  }
}

// ---- main ----

async function main(): Promise<void> {
  const serverIdentity = generateIdentity()
  const clientIdentity = generateIdentity()
  const fastClient = await createNoiseEncrypter(clientIdentity, fastNoiseCrypto)
  const fastServer = await createNoiseEncrypter(serverIdentity, fastNoiseCrypto)
  const slowClient = await createNoiseEncrypter(clientIdentity, defaultCrypto)
  const slowServer = await createNoiseEncrypter(serverIdentity, defaultCrypto)

  const handshake_ms = {
    secure: await withCpu(handshakeViaTransport),
    noise_only_fast_dh: await withCpu(() => handshakeRaw(fastClient, fastServer, serverIdentity.peerId)),
    noise_only_library_default_dh: await withCpu(() => handshakeRaw(slowClient, slowServer, serverIdentity.peerId)),
    plain_tcp: await withCpu(handshakePlain),
  }

  const one_way_latency_ms: Record<string, Summary> = {}
  for (const [name, make] of [['secure', securePair], ['plain_tcp', plainPair]] as const) {
    const pair = await make()
    one_way_latency_ms[name] = summarize(await oneWayLatency(pair))
    await pair.close()
  }

  const throughputResults: Record<string, Record<string, Throughput>> = {}
  for (const payloadBytes of params.throughputPayloadBytes) {
    const row: Record<string, Throughput> = {}
    for (const [name, make] of [['secure', securePair], ['plain_tcp', plainPair]] as const) {
      const pair = await make()
      row[name] = await throughput(pair, payloadBytes)
      await pair.close()
    }
    throughputResults[`${payloadBytes}B`] = row
  }

  const result = {
    benchmark: 'transport',
    params,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
    handshake_ms,
    one_way_latency_ms,
    throughput: throughputResults,
    elapsed_ms: Math.round(performance.now() - startedAt),
  }
  printTable(result)
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

function printTable(r: {
  handshake_ms: Record<string, Summary>
  one_way_latency_ms: Record<string, Summary>
  throughput: Record<string, Record<string, Throughput>>
  elapsed_ms: number
}): void {
  const lines: string[] = []
  const pad = (s: string | number, n: number): string => String(s).padStart(n)
  lines.push('handshake (connect + Noise XX)        median ms    p99 ms    CPU ms (both ends)')
  for (const [k, v] of Object.entries(r.handshake_ms)) lines.push(`  ${k.padEnd(34)} ${pad(v.median_ms, 9)} ${pad(v.p99_ms, 9)} ${pad(v.cpu_ms ?? '-', 9)}`)
  lines.push('one-way latency, 32 B frames          median ms    p99 ms')
  for (const [k, v] of Object.entries(r.one_way_latency_ms)) lines.push(`  ${k.padEnd(34)} ${pad(v.median_ms, 9)} ${pad(v.p99_ms, 9)}`)
  lines.push('throughput, one connection              frames/s      MB/s')
  for (const [size, row] of Object.entries(r.throughput)) {
    for (const [k, v] of Object.entries(row)) lines.push(`  ${`${size} ${k}`.padEnd(34)} ${pad(v.frames_per_s, 9)} ${pad(v.mb_per_s, 9)}`)
  }
  lines.push(`elapsed ${r.elapsed_ms} ms`)
  process.stderr.write(`${lines.join('\n')}\n`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:transport failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exit(1)
  },
)
