/**
 * Two nodes on 127.0.0.1 join one topic; one broadcasts, the other prints what arrives.
 * Run: npm run example
 */
import '../src/polyfill.js'
import { createNode } from '../src/index.js'

const topicId = 'ab'.repeat(32)
const alice = await createNode({ listen: '127.0.0.1:0' })
const bob = await createNode({ listen: '127.0.0.1:0' })

const aliceTopic = alice.subscribe(topicId)
const bobTopic = bob.subscribe(topicId, { bootstrap: [alice.addr()] })
await bobTopic.joined({ timeoutMs: 5_000 })

const received = (async () => {
  for await (const event of bobTopic.events()) {
    if (event.type === 'received') {
      console.log(`bob got "${new TextDecoder().decode(event.content)}" from ${event.author.slice(0, 8)} (${event.hops} hop)`)
      return
    }
  }
})()
await aliceTopic.broadcast(new TextEncoder().encode('hello from alice'))
await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error('no message within 5 s')), 5_000))])
await Promise.all([alice.close(), bob.close()])
