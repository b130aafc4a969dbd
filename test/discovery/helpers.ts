/**
 * In-process fakes for mDNS tests that must not touch any network: a bus that
 * carries packets between fake multicast-dns sockets, encoding and decoding each one
 * with dns-packet exactly as the real library does (so TXT strings arrive as Buffers).
 */
import { EventEmitter } from 'node:events'
import type { RemoteInfo } from 'node:dgram'
import * as dnsPacket from 'dns-packet'
import type { Answer, Question } from 'dns-packet'
import type { MdnsSocket } from '../../src/discovery/mdns.js'

export interface SentPacket {
  readonly kind: 'query' | 'response'
  readonly from: string
  readonly packet: dnsPacket.Packet
}

export class FakeMdnsBus {
  readonly sockets: FakeMdnsSocket[] = []
  readonly sent: SentPacket[] = []

  /** A socket factory for `startMdnsDiscovery`'s test seam; `address` is the sender IP peers see. */
  factory(address: string, behaviour: { fail?: Error; warnBeforeReady?: Error } = {}): () => MdnsSocket {
    return () => {
      const socket = new FakeMdnsSocket(this, address)
      this.sockets.push(socket)
      queueMicrotask(() => {
        if (behaviour.warnBeforeReady !== undefined) socket.emit('warning', behaviour.warnBeforeReady)
        if (behaviour.fail !== undefined) socket.emit('error', behaviour.fail)
        else socket.emit('ready')
      })
      return socket
    }
  }

  /** Delivers raw bytes from `from` to every open socket, like a multicast packet. */
  inject(bytes: Buffer, from: string): void {
    for (const socket of this.sockets) socket.receive(bytes, from)
  }

  deliver(kind: 'query' | 'response', packet: dnsPacket.Packet, from: string): void {
    const bytes = dnsPacket.encode({ ...packet, type: kind, flags: kind === 'response' ? dnsPacket.AUTHORITATIVE_ANSWER : 0 })
    this.sent.push({ kind, from, packet })
    this.inject(bytes, from)
  }

  count(kind: 'query' | 'response', from: string): number {
    return this.sent.filter((p) => p.kind === kind && p.from === from).length
  }
}

export class FakeMdnsSocket extends EventEmitter implements MdnsSocket {
  destroyed = false

  constructor(
    private readonly bus: FakeMdnsBus,
    readonly address: string,
  ) {
    super()
  }

  query(packet: { questions: Question[] }, callback?: (err: Error | null) => void): void {
    if (this.destroyed) throw new Error('query after destroy')
    this.bus.deliver('query', packet, this.address)
    callback?.(null)
  }

  respond(packet: { answers: Answer[] }, callback?: (err: Error | null) => void): void {
    if (this.destroyed) throw new Error('respond after destroy')
    this.bus.deliver('response', packet, this.address)
    callback?.(null)
  }

  destroy(callback?: () => void): void {
    this.destroyed = true
    queueMicrotask(() => callback?.())
  }

  /** As multicast-dns does: decode, warn on garbage, emit query/response. Asynchronous, like a socket. */
  receive(bytes: Buffer, from: string): void {
    queueMicrotask(() => {
      if (this.destroyed) return
      let packet: dnsPacket.DecodedPacket
      try {
        packet = dnsPacket.decode(bytes)
      } catch (err) {
        this.emit('warning', err)
        return
      }
      const rinfo: RemoteInfo = { address: from, family: 'IPv4', port: 5353, size: bytes.length }
      if (packet.type === 'query') this.emit('query', packet, rinfo)
      if (packet.type === 'response') this.emit('response', packet, rinfo)
    })
  }
}
