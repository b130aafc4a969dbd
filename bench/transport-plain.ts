/**
 * Benchmark-only baseline: a plain (unencrypted) TCP socket as a ByteChannel, so the
 * same FramedConnection can run with and without Noise in one process. Never use it
 * outside benchmarks: it authenticates nothing.
 */
import type { Socket } from 'node:net'
import type { ByteChannel, ByteChannelEvents } from '../src/transport/channel.js'
import { TransportError } from '../src/transport/errors.js'

export class PlainSocketChannel implements ByteChannel {
  readonly remoteAddr: string
  private readonly socket: Socket
  private localError: TransportError | undefined

  constructor(socket: Socket) {
    this.socket = socket
    socket.setNoDelay(true)
    this.remoteAddr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
  }

  start(events: ByteChannelEvents): void {
    const socket = this.socket
    let socketError: Error | undefined
    socket.on('data', (b: Buffer) => events.onData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))
    socket.on('end', () => events.onEnd())
    socket.on('drain', () => events.onDrain())
    socket.on('error', (err) => (socketError = err))
    socket.on('close', () =>
      events.onClose(this.localError ?? (socketError === undefined ? undefined : new TransportError('ERR_CONNECTION_RESET', socketError.message))),
    )
  }

  write(chunk: Uint8Array): boolean {
    return this.socket.write(chunk)
  }

  end(): void {
    this.socket.end()
  }

  destroy(error?: TransportError): void {
    this.localError ??= error
    this.socket.destroy()
  }
}
