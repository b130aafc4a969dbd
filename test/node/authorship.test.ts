import { afterEach, describe, expect, it } from 'vitest'
import type { Node } from '../../src/index.js'
import { TcpTransport, generateIdentity } from '../../src/transport/index.js'
import { ENVELOPE_OVERHEAD_BYTES, EnvelopeSigner, envelopeId } from '../../src/gossip/node/envelope.js'
import { encodeFrame } from '../../src/gossip/wire/codec.js'
import type { GossipMessage } from '../../src/gossip/proto/messages.js'
import { Inbox, TOPIC_A, TOPIC_B, closeAll, joinAll, startNodes, waitFor } from './helpers.js'

const text = (s: string) => new TextEncoder().encode(s)
let nodes: Node[] = []
let rogue: TcpTransport | undefined
afterEach(async () => {
  await closeAll(nodes)
  await rogue?.close()
  nodes = []
  rogue = undefined
})

function gossip(id: string, content: Uint8Array, origin: string): GossipMessage {
  return { type: 'gossip', id, origin, content, round: 0, scope: 'swarm' }
}

/** Sends one GOSSIP straight onto a connection to `target`, bypassing the protocol. */
async function inject(target: Node, topic: string, message: GossipMessage): Promise<void> {
  const identity = generateIdentity()
  rogue = await TcpTransport.create({ identity })
  const conn = await rogue.dial(target.id, target.addr().addrs)
  conn.send(encodeFrame([{ topic, message }]))
  await conn.closed
}

describe('authorship: every broadcast is signed by its author', () => {
  it.each([
    ['a tampered payload (id no longer the hash)', (envelope: Uint8Array, id: string) => {
      const copy = envelope.slice()
      copy[ENVELOPE_OVERHEAD_BYTES - 64 + 1] = (copy[ENVELOPE_OVERHEAD_BYTES - 64 + 1] ?? 0) ^ 1
      return { id, content: copy }
    }],
    ['a payload re-hashed after tampering (bad signature)', (envelope: Uint8Array) => {
      const copy = envelope.slice()
      copy[ENVELOPE_OVERHEAD_BYTES - 64 + 1] = (copy[ENVELOPE_OVERHEAD_BYTES - 64 + 1] ?? 0) ^ 1
      return { id: envelopeId(copy), content: copy }
    }],
    ['an author field swapped for another node (impersonation)', (envelope: Uint8Array, _id: string, victim: Node) => {
      const copy = envelope.slice()
      copy.set(Buffer.from(victim.id, 'hex'), 1)
      return { id: envelopeId(copy), content: copy }
    }],
  ])('drops %s, counts it, and disconnects the sender; others keep delivering', async (_name, forge) => {
    nodes = await startNodes(3)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inboxes = topics.map((t) => new Inbox(t))
    const attacker = generateIdentity()
    const genuine = new EnvelopeSigner(attacker.secretKey, attacker.publicKey).seal(TOPIC_A, text('forged?'))
    const forged = forge(genuine.envelope, genuine.id, nodes[1]!)
    await inject(nodes[0]!, TOPIC_A, gossip(forged.id, forged.content, attacker.peerId))
    expect(nodes[0]!.stats().forgedDropped).toBe(1)
    await topics[2]!.broadcast(text('still fine'))
    await waitFor(() => inboxes[0]!.count('still fine') === 1 && inboxes[1]!.count('still fine') === 1, 5_000, 'honest delivery')
    for (const inbox of inboxes) expect(inbox.count('forged?')).toBe(0)
  })

  it('a message signed for another topic cannot be replayed into this one', async () => {
    nodes = await startNodes(2)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inbox = new Inbox(topics[0]!)
    const attacker = generateIdentity()
    const other = new EnvelopeSigner(attacker.secretKey, attacker.publicKey).seal(TOPIC_B, text('wrong topic'))
    await inject(nodes[0]!, TOPIC_A, gossip(other.id, other.envelope, attacker.peerId))
    expect(nodes[0]!.stats().forgedDropped).toBe(1)
    expect(inbox.count('wrong topic')).toBe(0)
  })

  it('a genuine message whose origin names another node than its author is dropped (no tree hijack)', async () => {
    nodes = await startNodes(2)
    const topics = joinAll(nodes, TOPIC_A)
    await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
    const inbox = new Inbox(topics[0]!)
    const author = generateIdentity()
    const sealed = new EnvelopeSigner(author.secretKey, author.publicKey).seal(TOPIC_A, text('misattributed'))
    await inject(nodes[0]!, TOPIC_A, gossip(sealed.id, sealed.envelope, nodes[1]!.id))
    expect(nodes[0]!.stats().forgedDropped).toBe(1)
    expect(inbox.count('misattributed')).toBe(0)
  })

  it('a genuine message from a stranger is delivered with its author', async () => {
    nodes = await startNodes(1)
    const topic = nodes[0]!.subscribe(TOPIC_A)
    const inbox = new Inbox(topic)
    const author = generateIdentity()
    const sealed = new EnvelopeSigner(author.secretKey, author.publicKey).seal(TOPIC_A, text('signed'))
    await inject(nodes[0]!, TOPIC_A, gossip(sealed.id, sealed.envelope, author.peerId)).catch(() => undefined)
    await waitFor(() => inbox.count('signed') === 1, 5_000, 'delivery')
    const event = inbox.events.find((e) => e.type === 'received')
    expect(event?.type === 'received' && event.author).toBe(author.peerId)
    expect(nodes[0]!.stats().forgedDropped).toBe(0)
  })
})
