/** Helpers for node tests: start swarms on 127.0.0.1 or in memory, and wait with bounds. */
import { createNode, type GossipEvent, type Node, type NodeOptions, type Topic } from '../../src/index.js'

export const TOPIC_A = 'a1'.repeat(32)
export const TOPIC_B = 'b2'.repeat(32)

export async function startNodes(count: number, options: NodeOptions = {}): Promise<Node[]> {
  const nodes: Node[] = []
  for (let i = 0; i < count; i++) nodes.push(await createNode({ listen: '127.0.0.1:0', ...options }))
  return nodes
}

/** Subscribes every node to `topic`; node i > 0 bootstraps from up to 3 earlier nodes. */
export function joinAll(nodes: readonly Node[], topic: string): Topic[] {
  return nodes.map((node, i) =>
    node.subscribe(topic, { bootstrap: nodes.slice(Math.max(0, i - 3), i).map((n) => n.addr()) }),
  )
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Collects received payloads (as strings) per topic handle, in the background. */
export class Inbox {
  readonly received: string[] = []
  readonly events: GossipEvent[] = []
  private readonly iterator: AsyncIterableIterator<GossipEvent>

  constructor(topic: Topic, bufferSize = 10_000) {
    this.iterator = topic.events({ bufferSize })
    void this.pump()
  }

  private async pump(): Promise<void> {
    for await (const event of this.iterator) {
      this.events.push(event)
      if (event.type === 'received') this.received.push(new TextDecoder().decode(event.content))
    }
  }

  count(text: string): number {
    return this.received.filter((r) => r === text).length
  }

  stop(): void {
    void this.iterator.return?.()
  }
}

export async function closeAll(nodes: readonly Node[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.close()))
}
