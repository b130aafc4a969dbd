/**
 * Test helpers for transports: bounded waits (never bare sleeps), frame collectors,
 * and a registry that closes everything a test created.
 */
import { createServer } from 'node:net'
import type { CloseInfo, Connection, Transport } from '../../src/transport/types.js'

/** Rejects if `promise` does not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `condition` every few ms (event-loop turns) until true; bounded by `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** Collects frames and close info of every connection a transport announces. */
export class Collector {
  readonly connections: Connection[] = []
  readonly frames: Uint8Array[] = []
  readonly closes = new Map<Connection, CloseInfo>()
  private waiters: { count: number; resolve: () => void }[] = []

  constructor(transport: Transport) {
    transport.onConnection((conn) => this.attach(conn))
  }

  attach(conn: Connection): void {
    this.connections.push(conn)
    conn.setHandler({
      onFrame: (frame) => {
        this.frames.push(frame.slice())
        this.waiters = this.waiters.filter((w) => {
          if (this.frames.length >= w.count) w.resolve()
          return this.frames.length < w.count
        })
      },
      onClose: (info) => this.closes.set(conn, info),
    })
  }

  /** Resolves once `count` frames were received in total. */
  frameCount(count: number, ms = 5_000): Promise<void> {
    if (this.frames.length >= count) return Promise.resolve()
    return within(new Promise<void>((resolve) => this.waiters.push({ count, resolve })), ms, `${count} frames (have ${this.frames.length})`)
  }

  /** The first connection announced, waiting for it if needed. */
  async first(ms = 5_000): Promise<Connection> {
    await until(() => this.connections.length > 0, ms, 'a connection')
    return this.connections[0] as Connection
  }

  texts(): string[] {
    return this.frames.map((f) => new TextDecoder().decode(f))
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A loopback TCP port with nothing listening (bound then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Closes every registered transport at the end of a test. */
export class Cleanup {
  private readonly items: { close(): Promise<void> }[] = []

  add<T extends { close(): Promise<void> }>(item: T): T {
    this.items.push(item)
    return item
  }

  async run(): Promise<void> {
    const items = this.items.splice(0)
    await within(Promise.all(items.map((i) => i.close())), 10_000, 'cleanup')
  }
}
