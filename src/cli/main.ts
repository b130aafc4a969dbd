/**
 * The `hearsay` command line:
 *   hearsay open [--topic <name|hex>]   start a chat topic and print its ticket
 *   hearsay join <ticket>               join a chat from a ticket
 *   hearsay ticket                      print a fresh ticket of the running chat(s)
 *   hearsay id --key-file <path>        print (and create if missing) a persistent identity
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error or bad ticket, 3 no peer of the
 * ticket answered in time (only with --exit-on-fail or when stdin is not a terminal).
 */
import { shortId } from '../index.js'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { enable } from '@libp2p/logger'
import { HearsayError, parseTicket, parseTopic } from '../index.js'
import { loadOrCreateKeyFile, parseAddress } from '../transport/index.js'
import { COMMANDS, DEFAULT_JOIN_TIMEOUT_MS, EXIT_JOIN_FAILED, runChat } from './chat.js'
import { colorsWanted } from './format.js'
import { Output } from './output.js'
import { PlainScreen, TtyScreen, type Screen } from './screen.js'
import { defaultStateDir, runningNodes, type RunningNode } from './state-file.js'

/** A usage error: exit code 2. */
class UsageError extends Error {}

interface ChatFlags {
  name?: string
  listen: string
  keyFile?: string
  mdns: boolean
  json: boolean
  quiet: boolean
  verbose: boolean
  stateDir: string
  nameInterval: number
  color: boolean
  exitOnFail: boolean
  joinTimeout: number
  historyWait: number
}

function listenAddress(value: string): string {
  try {
    parseAddress(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  return value
}

function withChatFlags(command: Command): Command {
  return command
    .option('--name <name>', 'your name in the chat')
    .option('--listen <host:port>', 'address to listen on', listenAddress, '0.0.0.0:0')
    .option('--key-file <path>', 'persistent identity (created with mode 0600 if missing)')
    .option('--no-mdns', 'do not look for peers on the local network')
    .option('--json', 'print one JSON object per event (for scripts)', false)
    .addOption(new Option('--quiet', 'print only chat lines and the ticket').default(false).conflicts('verbose'))
    .option('--verbose', 'print debug logs (hearsay:*) on stderr', false)
    .option('--no-color', 'no colours (also when NO_COLOR is set, or stdout is not a terminal)')
    .option('--exit-on-fail', `exit with code ${EXIT_JOIN_FAILED} if no peer of the ticket answers in time (default when stdin is not a terminal)`, false)
    .addOption(new Option('--join-timeout <ms>', 'how long to wait for a first neighbor').argParser(positiveMs).default(DEFAULT_JOIN_TIMEOUT_MS).hideHelp())
    .addOption(new Option('--history-wait <ms>', 'how long to wait for the recent history').argParser(positiveMs).default(3_000).hideHelp())
    .addOption(new Option('--state-dir <dir>', 'where running chats leave their tickets').default(defaultStateDir()).hideHelp())
    .addOption(new Option('--name-interval <ms>', 'how often names are re-announced').argParser(positiveMs).default(30_000).hideHelp())
}

function positiveMs(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 100) throw new InvalidArgumentError('must be an integer >= 100')
  return n
}

async function chat(flags: ChatFlags, topic: string, bootstrap: Parameters<typeof runChat>[0]['bootstrap'], joinTicket?: string): Promise<number> {
  if (flags.verbose) enable('hearsay:*')
  const stdoutTty = process.stdout.isTTY === true && !flags.json
  const interactive = stdoutTty && process.stdin.isTTY === true
  let screen: Screen
  if (interactive) {
    screen = new TtyScreen({ input: process.stdin, output: process.stdout, prompt: '> ', completions: COMMANDS.map(([c]) => c.split(' ')[0] as string) })
  } else {
    // The reader of a pipe went away (`hearsay open | head -1`): leave the chat cleanly
    // (as on SIGTERM: neighbors are told, exit 0) instead of dying of EPIPE.
    let stdoutGone = false
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' || stdoutGone) throw err
      stdoutGone = true
      process.kill(process.pid, 'SIGTERM')
    })
    screen = new PlainScreen(process.stdin, (text) => {
      if (!stdoutGone) process.stdout.write(text)
    })
  }
  const output = new Output({
    json: flags.json,
    quiet: flags.quiet,
    write: (line) => screen.print(line),
    decorate: stdoutTty,
    color: colorsWanted(stdoutTty, process.env, flags.color),
  })
  return runChat({
    topic,
    bootstrap,
    name: flags.name,
    listen: flags.listen,
    keyFile: flags.keyFile,
    mdns: flags.mdns,
    screen,
    output,
    stateDir: flags.stateDir,
    nameIntervalMs: flags.nameInterval,
    joinTimeoutMs: flags.joinTimeout,
    historyWaitMs: flags.historyWait,
    // A script (stdin not a terminal) wants an exit code, not a chat that waits forever.
    exitOnFail: flags.exitOnFail || process.stdin.isTTY !== true,
    ...(joinTicket === undefined ? {} : { joinTicket }),
  })
}

/** The package version, from package.json (two levels up from src/cli and from dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
  return typeof pkg.version === 'string' ? pkg.version : 'unknown'
}

const program = new Command('hearsay')
  .version(packageVersion(), '-V, --version', 'print the version of hearsay')
  .description('serverless peer-to-peer chat and gossip: HyParView membership + Plumtree broadcast over Noise')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nExamples:\n  hearsay open --name alice            prints a ticket\n  hearsay join <ticket> --name bob     joins with it\n',
  )

withChatFlags(
  program
    .command('open')
    .description('open a chat topic, print its ticket, then chat (lines from stdin)')
    .option('--topic <name|hex>', 'topic name or 64-hex id (default: a new random topic)'),
).action(async (flags: ChatFlags & { topic?: string }) => {
  let topic: string
  try {
    topic = flags.topic === undefined ? randomBytes(32).toString('hex') : parseTopic(flags.topic)
  } catch (err) {
    throw new UsageError(`invalid --topic: ${(err as Error).message}`)
  }
  process.exitCode = await chat(flags, topic, [])
})

withChatFlags(
  program.command('join').description('join a chat from a ticket, then chat (lines from stdin)').argument('<ticket>', 'ticket printed by `hearsay open`'),
).action(async (ticketText: string, flags: ChatFlags) => {
  let ticket
  try {
    ticket = parseTicket(ticketText)
  } catch (err) {
    throw new UsageError(
      `bad ticket: ${(err as Error).message}\n  copy the whole ticket (it starts with hearsay1), or ask someone in the chat for a fresh one (they type /ticket)`,
    )
  }
  process.exitCode = await chat(flags, ticket.topic, ticket.peers, ticketText)
})

program
  .command('ticket')
  .description('print a fresh ticket (with current neighbors) for each chat running on this machine')
  .option('--json', 'one JSON object per running chat', false)
  .addOption(new Option('--state-dir <dir>').default(defaultStateDir()).hideHelp())
  .action((flags: { json: boolean; stateDir: string }) => {
    const nodes = runningNodes(flags.stateDir)
    if (nodes.length === 0) {
      process.stderr.write('hearsay: no running chat found (start one with `hearsay open`)\n')
      process.exitCode = 1
      return
    }
    for (const node of nodes) {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(node)}\n`)
        continue
      }
      // One chat: stdout is the bare ticket (scripts use it), what it is goes to stderr.
      if (nodes.length === 1) {
        process.stderr.write(`hearsay: ${describeChat(node)}\n`)
        process.stdout.write(`${node.ticket}\n`)
      } else {
        process.stdout.write(`${describeChat(node)}: ${node.ticket}\n`)
      }
    }
  })

/** `topic 1a2b3c4d, alice, up 5 min, 2 neighbors (pid 123)`. */
function describeChat(node: RunningNode): string {
  const parts = [`topic ${shortId(node.topic)}`, node.name ?? '(no name)']
  if (node.startedAt !== undefined) parts.push(`up ${age(Date.now() - Date.parse(node.startedAt))}`)
  if (node.neighbors !== undefined) parts.push(`${node.neighbors} neighbor${node.neighbors === 1 ? '' : 's'}`)
  if (node.connected === false) parts.push('not connected yet')
  return `${parts.join(', ')} (pid ${node.pid})`
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min`
  const h = Math.floor(s / 3600)
  return `${h} h ${Math.floor((s % 3600) / 60)} min`
}

program
  .command('id')
  .description('print the node id of a persistent identity, creating the key file if missing')
  .requiredOption('--key-file <path>', 'key file (created with mode 0600 if missing)')
  .action(async (flags: { keyFile: string }) => {
    const { identity, created } = await loadOrCreateKeyFile(flags.keyFile)
    process.stdout.write(`${identity.peerId}\n`)
    if (created) process.stderr.write(`hearsay: created ${flags.keyFile}\n`)
  })

// Usage errors exit 2 (runtime failures exit 1).
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
for (const command of program.commands) command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))

try {
  await program.parseAsync()
} catch (err) {
  const message = err instanceof Error ? err.message : String(err)
  const hint = hintFor(err)
  process.stderr.write(`hearsay: ${message}${hint === undefined ? '' : `\n  ${hint}`}\n`)
  process.exitCode = err instanceof UsageError ? 2 : err instanceof HearsayError || err instanceof Error ? 1 : 1
}

/** What to do about a runtime failure, from its system error code. */
function hintFor(err: unknown): string | undefined {
  const codes: string[] = []
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string') codes.push(code)
  }
  const message = err instanceof Error ? err.message : ''
  if (codes.includes('EADDRINUSE')) return 'another program uses that port: pick another one, or `--listen 0.0.0.0:0` for a free one'
  if (codes.includes('EADDRNOTAVAIL')) return 'that address is not one of this machine\'s: use one of its addresses, or `--listen 0.0.0.0:0` for all of them'
  if (codes.includes('EACCES') && /listen/.test(message)) return 'ports below 1024 need privileges: use a port above 1024, or `--listen 0.0.0.0:0`'
  if (/key file/.test(message)) {
    if (/ENOENT/.test(message)) return 'the key file\'s directory does not exist: create it first (mkdir -p <dir>), or give another --key-file path'
    if (/EISDIR/.test(message)) return 'that path is a directory: give the path of a file inside it'
    if (/EACCES|EPERM/.test(message)) return 'no permission: check the file\'s owner and mode, or give another --key-file path'
    if (/not a hearsay key file/.test(message)) return 'the file is left untouched: give another --key-file path, or move this file away to create a new identity'
  }
  return undefined
}
