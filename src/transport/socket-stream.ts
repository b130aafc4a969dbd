/**
 * A TCP socket as a libp2p `MessageStream` (`AbstractMultiaddrConnection`), the shape
 * @chainsafe/libp2p-noise secures. Differences from @libp2p/tcp's wrapper: no
 * inactivity timeout (FramedConnection runs keepalives), half-open sockets (a graceful
 * close reads until the peer's EOF), one corked writev per send, and the socket error
 * is remembered so a socket failure can be told apart from bad ciphertext.
 */
import type { Socket } from 'node:net'
import type { Logger } from '@libp2p/interface'
import { AbstractMultiaddrConnection, ipPortToMultiaddr, type SendResult } from '@libp2p/utils'

/** Most `setTimeout(0)` turns an EOF waits for buffered bytes to be delivered first. */
const MAX_EOF_DEFERRALS = 100

/** The list type @libp2p/utils hands to sendData (its own uint8arraylist copy). */
type ChunkList = Parameters<AbstractMultiaddrConnection['sendData']>[0]

export class SocketStream extends AbstractMultiaddrConnection {
  readonly socket: Socket
  /** The socket's own error, if it failed. */
  socketError: Error | undefined
  private secured = false
  /** Set by `divert()`: raw socket bytes go here instead of the libp2p read buffer. */
  private diverted: ((chunk: Buffer) => void) | undefined

  constructor(socket: Socket, direction: 'inbound' | 'outbound', log: Logger) {
    super({
      remoteAddr: ipPortToMultiaddr(socket.remoteAddress ?? '0.0.0.0', socket.remotePort ?? 0),
      direction,
      log,
      inactivityTimeout: 0,
    })
    this.socket = socket
    socket.setTimeout(0)
    socket.on('data', (buf: Buffer) => {
      if (this.diverted !== undefined) this.diverted(buf)
      else this.onData(buf)
    })
    socket.on('error', (err) => {
      this.socketError ??= err
      this.abort(err)
    })
    socket.once('end', () => {
      // The handshake settles in microtasks after its last bytes arrive, so one turn later
      // an EOF with no finished handshake means the peer gave up: fail it now (a libp2p
      // byte stream would otherwise wait on a half-open socket until the timeout).
      setTimeout(() => {
        if (this.secured) this.deferRemoteCloseWrite(0)
        else socket.destroy()
      }, 0)
    })
    socket.once('close', (hadError) => {
      if (hadError) this.abort(this.socketError ?? new Error('TCP transmission error'))
      else this.onTransportClosed()
    })
    socket.on('drain', () => this.safeDispatchEvent('drain'))
  }

  /** The Noise handshake completed: from now on an EOF is a half-close. */
  markSecured(): void {
    this.secured = true
  }

  /**
   * From now on, hands every byte read from the socket to `onBytes` (the secure
   * channel's own Noise decoder) instead of the libp2p stream layers above. Returns the
   * bytes read earlier that those layers had not taken yet (oldest first).
   */
  divert(onBytes: (chunk: Buffer) => void): Uint8Array[] {
    this.diverted = onBytes
    const left: Uint8Array[] = []
    if (this.readBuffer.byteLength > 0) {
      for (const buf of this.readBuffer) left.push(buf)
      this.readBuffer.consume(this.readBuffer.byteLength)
    }
    return left
  }

  /**
   * EOF must not overtake bytes still buffered above us (bytes left over from the
   * handshake are re-delivered on a timer), so wait until the read buffer is empty.
   */
  private deferRemoteCloseWrite(attempt: number): void {
    if (this.readBuffer.byteLength > 0 && attempt < MAX_EOF_DEFERRALS) {
      setTimeout(() => this.deferRemoteCloseWrite(attempt + 1), 0)
      return
    }
    this.onRemoteCloseWrite()
  }

  sendData(data: ChunkList): SendResult {
    let canSendMore = true
    this.socket.cork()
    for (const buf of data) canSendMore = this.socket.write(buf)
    this.socket.uncork()
    return { sentBytes: data.byteLength, canSendMore }
  }

  sendReset(): void {
    this.socket.destroy()
  }

  sendPause(): void {
    this.socket.pause()
  }

  sendResume(): void {
    this.socket.resume()
  }

  async sendClose(): Promise<void> {
    if (this.socket.destroyed) return
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.end()
    })
  }
}
