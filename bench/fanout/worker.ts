/** One node of the multi-process fan-out bench; driven over IPC by multi-process.ts. */
import '../../src/polyfill.js'
import { createNode, type Node, type Topic } from '../../src/index.js'
import { makePayload, messageNumberOf } from './measure.js'
import type { FromWorker, ToWorker } from './worker-messages.js'

const TOPIC = 'f0'.repeat(32)
const now = () => performance.timeOrigin + performance.now()
const send = (message: FromWorker) => process.send?.(message)
let node: Node | undefined
let topic: Topic | undefined
let sizeBytes = 256

async function pump(t: Topic): Promise<void> {
  for await (const event of t.events({ bufferSize: 100_000 })) {
    if (event.type === 'received') send({ type: 'delivered', messageNumber: messageNumberOf(event.content), atMs: now() })
    else if (event.type === 'neighborUp') send({ type: 'neighbors', count: t.neighbors().length })
    else if (event.type === 'neighborDown') send({ type: 'neighbors', count: t.neighbors().length, down: event.reason })
  }
}

process.on('message', (message: ToWorker) => {
  void (async () => {
    switch (message.type) {
      case 'listen':
        sizeBytes = message.size
        node = await createNode({
          listen: '127.0.0.1:0',
          ...(message.ihaveDispatchMs === undefined ? {} : { config: { broadcast: { ihaveDispatchMs: message.ihaveDispatchMs } } }),
        })
        send({ type: 'listening', requestId: message.requestId, addr: { id: node.id, addrs: [...node.addr().addrs] } })
        return
      case 'subscribe':
        topic = node?.subscribe(TOPIC, { bootstrap: message.bootstrap })
        if (topic !== undefined) void pump(topic)
        send({ type: 'subscribed', requestId: message.requestId })
        return
      case 'broadcast': {
        const sentAtMs = now()
        await topic?.broadcast(makePayload(message.messageNumber, sizeBytes))
        send({ type: 'broadcasted', requestId: message.requestId, sentAtMs })
        return
      }
      case 'stats': {
        const usage = process.cpuUsage()
        const stats = node?.stats()
        send({ type: 'stats', requestId: message.requestId, bytesWritten: stats?.bytesWritten ?? 0, framesSent: stats?.framesSent ?? 0, cpuMs: (usage.user + usage.system) / 1000 })
        return
      }
      case 'stop':
        await node?.close()
        process.exit(0)
    }
  })()
})
process.on('disconnect', () => process.exit(0))
