/**
 * One hearsay node in its own OS process, for the crash test (test/crash/harness.ts).
 * It speaks line-delimited JSON: commands on stdin, events on stdout.
 *
 *   argv: --key-file <path> --topic <64 hex> [--listen 127.0.0.1:<port>]
 *
 * Commands (stdin):
 *   {"cmd":"join","peers":[{id,addrs}]}   join the topic through these peers
 *   {"cmd":"broadcast","tag":"..."}       broadcast `tag` (UTF-8) on the topic
 *   {"cmd":"neighbors"}                   report the active view now
 *   {"cmd":"exit"}                        close the node (DISCONNECTs) and exit 0
 *
 * Events (stdout):
 *   {"ev":"ready","id","addr":{id,addrs},"pid"}
 *   {"ev":"recv","id","author","tag"}      every delivery, duplicates included
 *   {"ev":"sent","id","tag"}
 *   {"ev":"nbrs","peers":[...]}            after every neighborUp/neighborDown, and on request
 *   {"ev":"lagged","missed"}
 *   {"ev":"error","message"}
 *
 * No mDNS: createNode() never starts discovery; only the given 127.0.0.1 peers are dialed.
 */
import '../../src/polyfill.js'
import { createInterface } from 'node:readline'
import { createNode, type Node, type NodeAddr, type Topic } from '../../src/index.js'

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index >= 0 ? process.argv[index + 1] : undefined
}

const keyFile = arg('--key-file')
const topicId = arg('--topic')
const listen = arg('--listen') ?? '127.0.0.1:0'
if (keyFile === undefined || topicId === undefined || !listen.startsWith('127.0.0.1:')) {
  process.stderr.write('usage: node-process --key-file <path> --topic <hex> [--listen 127.0.0.1:<port>]\n')
  process.exit(2)
}

const out = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}
const decoder = new TextDecoder()
const encoder = new TextEncoder()

async function start(): Promise<Node> {
  try {
    return await createNode({ keyFile, listen })
  } catch (err) {
    // A restart asks for its old port; should another socket hold it by now, take any.
    if (listen.endsWith(':0')) throw err
    process.stderr.write(`listen ${listen} failed (${String(err)}), using a free port\n`)
    return createNode({ keyFile, listen: '127.0.0.1:0' })
  }
}

const node = await start()
const topic: Topic = node.subscribe(topicId)
const reportNeighbors = () => out({ ev: 'nbrs', peers: topic.neighbors() })

void (async () => {
  for await (const event of topic.events({ bufferSize: 100_000 })) {
    switch (event.type) {
      case 'received':
        out({ ev: 'recv', id: event.id, author: event.author, tag: decoder.decode(event.content) })
        break
      case 'neighborUp':
      case 'neighborDown':
        reportNeighbors()
        break
      case 'lagged':
        out({ ev: 'lagged', missed: event.missed })
        break
    }
  }
})()

out({ ev: 'ready', id: node.id, addr: node.addr(), pid: process.pid })

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  void (async () => {
    try {
      const command = JSON.parse(line) as { cmd: string; peers?: NodeAddr[]; tag?: string }
      switch (command.cmd) {
        case 'join':
          topic.joinPeers(command.peers ?? [])
          return
        case 'broadcast': {
          const tag = command.tag ?? ''
          const id = await topic.broadcast(encoder.encode(tag))
          out({ ev: 'sent', id, tag })
          return
        }
        case 'neighbors':
          reportNeighbors()
          return
        case 'exit':
          await node.close()
          process.exit(0)
      }
    } catch (err) {
      out({ ev: 'error', message: String(err) })
    }
  })()
})
// The parent went away (its end of stdin closed): do not linger.
lines.on('close', () => {
  void node.abort().finally(() => process.exit(0))
})
