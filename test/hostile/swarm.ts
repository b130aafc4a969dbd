/** The honest swarm the hostile tests attack, and the delivery check they end with. */
import type { Node, NodeOptions, Topic } from '../../src/index.js'
import { Inbox, TOPIC_A, joinAll, startNodes, waitFor } from '../node/helpers.js'

const text = (s: string) => new TextEncoder().encode(s)

/** Four honest nodes on 127.0.0.1 joined to TOPIC_A; `target` is the one under attack. */
export async function startSwarm(options: NodeOptions = {}): Promise<{ nodes: Node[]; topics: Topic[]; target: Node }> {
  const nodes = await startNodes(4, options)
  const topics = joinAll(nodes, TOPIC_A)
  await Promise.all(topics.map((t) => t.joined({ timeoutMs: 10_000 })))
  return { nodes, topics, target: nodes[0] as Node }
}

let labelSerial = 0
/** A broadcast from each honest node reaches every other honest node exactly once. */
export async function expectHonestDelivery(topics: Topic[], what: string): Promise<void> {
  const inboxes = topics.map((t) => new Inbox(t))
  const labels = topics.map((_, i) => `${what} #${++labelSerial} from ${i}`)
  for (const [i, topic] of topics.entries()) await topic.broadcast(text(labels[i] as string))
  for (const [i, inbox] of inboxes.entries()) {
    const expected = labels.filter((_, k) => k !== i)
    await waitFor(() => expected.every((l) => inbox.count(l) === 1), 10_000, `node ${i}: honest delivery ${what}`)
    inbox.stop()
  }
}
