/**
 * Two nodes on 127.0.0.1 join one topic; one broadcasts, the other prints what arrives;
 * then both leave and close, and the process exits on its own.
 * Run: npm run example
 */
import { createNode } from '../src/index.js'

const topicId = 'ab'.repeat(32)
const alice = await createNode({ listen: '127.0.0.1:0' })
const bob = await createNode({ listen: '127.0.0.1:0' })

try {
  const aliceTopic = alice.subscribe(topicId)
  const bobTopic = bob.subscribe(topicId, { bootstrap: [alice.addr()] })
  // Take the iterator before broadcasting, so nothing that arrives is missed.
  const events = bobTopic.events()
  await bobTopic.joined({ timeoutMs: 5_000 })
  await aliceTopic.broadcast(new TextEncoder().encode('hello from alice'))

  // Bound the wait without a timer that outlives it (AbortSignal.timeout does not keep
  // the process alive): on timeout, ending the iterator ends the loop.
  const timeout = AbortSignal.timeout(5_000)
  timeout.addEventListener('abort', () => void events.return?.(), { once: true })
  let received = false
  for await (const event of events) {
    if (event.type === 'received') {
      console.log(`bob got "${new TextDecoder().decode(event.content)}" from ${event.author.slice(0, 8)} (${event.hops} hop)`)
      received = true
      break
    }
  }
  if (!received) throw new Error('no message within 5 s')
  await Promise.all([aliceTopic.leave(), bobTopic.leave()])
} finally {
  await Promise.all([alice.close(), bob.close()])
}
