/**
 * One hearsay node of the network lab, run inside a host namespace (bundled by
 * lab.ts, started as `ip netns exec NS node lab-node.mjs '<json config>'`).
 *
 * Reads commands as JSON lines on stdin, prints events as JSON lines on stdout. Times
 * are `performance.timeOrigin + performance.now()` in ms: every namespace shares the
 * machine's clock, so the coordinator can compare them across processes.
 *
 * Commands: `join` (bootstrap peers), `send` (count messages every intervalMs from
 * startAtMs, numbered from `firstSeq`), `stats`, `quit`. Events: `ready`, `up`, `down`,
 * `rx` (author index, sequence number, send time, receive time, hops), `sent`, `stats`,
 * `error`. Exits when stdin closes (the coordinator died) or on `quit`.
 */
import { createInterface } from 'node:readline'
import { createNode, type Node, type NodeAddr, type Topic, type TransportOptions } from '../../src/index.js'

/** How the coordinator starts a lab node. */
export interface LabNodeConfig {
  readonly index: number
  readonly listen: string
  readonly topic: string
  readonly seed: number
  readonly sizeBytes: number
  readonly mdns?: { readonly interface: string; readonly intervalMs: number }
  readonly transportOptions?: Partial<TransportOptions>
}

/** Commands on a lab node's stdin. */
export type LabNodeCommand =
  | { readonly cmd: 'join'; readonly bootstrap: readonly NodeAddr[] }
  | { readonly cmd: 'send'; readonly count: number; readonly intervalMs: number; readonly startAtMs: number; readonly firstSeq: number }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'quit' }

/** Events on a lab node's stdout. */
export type LabNodeEvent =
  | { readonly ev: 'ready'; readonly id: string; readonly addrs: readonly string[]; readonly t: number }
  | { readonly ev: 'up'; readonly peer: string; readonly t: number }
  | { readonly ev: 'down'; readonly peer: string; readonly reason: string; readonly t: number }
  /** A message: author index, its sequence number, send time, receive time, hops, and 1 if the library marked it late. */
  | { readonly ev: 'rx'; readonly a: number; readonly s: number; readonly st: number; readonly t: number; readonly h: number; readonly l?: 1 }
  /** The library's gap event: `missed` messages of the author (node id) will not be delivered. */
  | { readonly ev: 'gap'; readonly author: string; readonly missed: number; readonly t: number }
  | { readonly ev: 'sent'; readonly seq: number; readonly t: number }
  | { readonly ev: 'stats'; readonly node: Record<string, unknown>; readonly proto: unknown; readonly neighbors: readonly string[]; readonly t: number }
  | { readonly ev: 'error'; readonly message: string; readonly t: number }

const now = (): number => performance.timeOrigin + performance.now()
const emit = (event: LabNodeEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

/** Payload: "author seq sentAtMs" then padding to the configured size. */
function payload(index: number, seq: number, sizeBytes: number): Uint8Array {
  const head = `${index} ${seq} ${now().toFixed(3)} `
  return new TextEncoder().encode(head.padEnd(Math.max(sizeBytes, head.length), '.'))
}

async function pump(topic: Topic): Promise<void> {
  const decoder = new TextDecoder()
  for await (const event of topic.events({ bufferSize: 200_000 })) {
    const t = now()
    if (event.type === 'received') {
      const [a, s, st] = decoder.decode(event.content.subarray(0, 48)).split(' ')
      emit({ ev: 'rx', a: Number(a), s: Number(s), st: Number(st), t, h: event.hops, ...(event.late ? { l: 1 as const } : {}) })
    } else if (event.type === 'neighborUp') emit({ ev: 'up', peer: event.peer, t })
    else if (event.type === 'neighborDown') emit({ ev: 'down', peer: event.peer, reason: event.reason, t })
    else if (event.type === 'gap') emit({ ev: 'gap', author: event.author, missed: event.missed, t })
    else if (event.type === 'lagged') emit({ ev: 'error', message: `lagged: ${event.missed} events missed`, t })
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as LabNodeConfig
  const node: Node = await createNode({
    listen: config.listen,
    rngSeed: config.seed,
    ...(config.mdns === undefined ? {} : { mdns: { interface: config.mdns.interface, intervalMs: config.mdns.intervalMs } }),
    ...(config.transportOptions === undefined ? {} : { transportOptions: config.transportOptions }),
  })
  let topic: Topic | undefined
  const subscribe = (bootstrap: readonly NodeAddr[]): void => {
    if (topic === undefined) {
      topic = node.subscribe(config.topic, { bootstrap })
      void pump(topic)
    } else topic.joinPeers(bootstrap)
  }
  if (config.mdns !== undefined) subscribe([])
  emit({ ev: 'ready', id: node.id, addrs: node.addr().addrs, t: now() })

  const send = (count: number, intervalMs: number, startAtMs: number, firstSeq: number): void => {
    let i = 0
    const next = (): void => {
      if (i >= count || topic === undefined) return
      const seq = firstSeq + i
      const due = startAtMs + i * intervalMs
      i++
      topic.broadcast(payload(config.index, seq, config.sizeBytes)).then(
        () => emit({ ev: 'sent', seq, t: now() }),
        (err: unknown) => emit({ ev: 'error', message: `broadcast ${seq}: ${String(err)}`, t: now() }),
      )
      setTimeout(next, Math.max(0, due + intervalMs - now()))
    }
    setTimeout(next, Math.max(0, startAtMs - now()))
  }

  const lines = createInterface({ input: process.stdin })
  lines.on('line', (line) => {
    let command: LabNodeCommand
    try {
      command = JSON.parse(line) as LabNodeCommand
    } catch {
      emit({ ev: 'error', message: `bad command ${line}`, t: now() })
      return
    }
    switch (command.cmd) {
      case 'join':
        subscribe(command.bootstrap)
        return
      case 'send':
        send(command.count, command.intervalMs, command.startAtMs, command.firstSeq)
        return
      case 'stats':
        emit({ ev: 'stats', node: { ...node.stats() }, proto: topic?.protocolStats(), neighbors: topic?.neighbors() ?? [], t: now() })
        return
      case 'quit':
        void node.close().finally(() => process.exit(0))
        return
    }
  })
  lines.on('close', () => {
    void node.abort().finally(() => process.exit(0))
  })
}

main().catch((err: unknown) => {
  emit({ ev: 'error', message: `start failed: ${err instanceof Error ? err.message : String(err)}`, t: now() })
  process.exit(1)
})
