/**
 * The `hearsay` command line:
 *   hearsay open [--topic <name|hex>]   start a chat topic and print its ticket
 *   hearsay join <ticket>               join a chat from a ticket
 *   hearsay ticket                      print a fresh ticket of the running chat(s)
 *   hearsay id --key-file <path>        print (and create if missing) a persistent identity
 *   hearsay sim ...                     run a protocol simulation
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error or bad ticket.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { enable } from '@libp2p/logger'
import { HearsayError, parseTicket, parseTopic } from '../index.js'
import { loadOrCreateKeyFile } from '../transport/index.js'
import { parseAddress } from '../transport/address.js'
import { runChat } from './chat.js'
import { Output } from './output.js'
import type { SimOptions } from './sim-command.js'
import { defaultStateDir, runningNodes } from './state-file.js'

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
    .addOption(new Option('--state-dir <dir>', 'where running chats leave their tickets').default(defaultStateDir()).hideHelp())
    .addOption(new Option('--name-interval <ms>', 'how often names are re-announced').argParser(positiveMs).default(30_000).hideHelp())
}

function positiveMs(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 100) throw new InvalidArgumentError('must be an integer >= 100')
  return n
}

async function chat(flags: ChatFlags, topic: string, bootstrap: Parameters<typeof runChat>[0]['bootstrap']): Promise<number> {
  if (flags.verbose) enable('hearsay:*')
  const output = new Output({ json: flags.json, quiet: flags.quiet, write: (line) => process.stdout.write(`${line}\n`) })
  return runChat({
    topic,
    bootstrap,
    name: flags.name,
    listen: flags.listen,
    keyFile: flags.keyFile,
    mdns: flags.mdns,
    input: process.stdin,
    output,
    stateDir: flags.stateDir,
    nameIntervalMs: flags.nameInterval,
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
    throw new UsageError(`bad ticket: ${(err as Error).message}`)
  }
  process.exitCode = await chat(flags, ticket.topic, ticket.peers)
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
      process.stdout.write(flags.json ? `${JSON.stringify(node)}\n` : nodes.length === 1 ? `${node.ticket}\n` : `${node.topic.slice(0, 8)} (pid ${node.pid}): ${node.ticket}\n`)
    }
  })

program
  .command('id')
  .description('print the node id of a persistent identity, creating the key file if missing')
  .requiredOption('--key-file <path>', 'key file (created with mode 0600 if missing)')
  .action(async (flags: { keyFile: string }) => {
    const { identity, created } = await loadOrCreateKeyFile(flags.keyFile)
    process.stdout.write(`${identity.peerId}\n`)
    if (created) process.stderr.write(`hearsay: created ${flags.keyFile}\n`)
  })

// The simulator is loaded only for `hearsay sim`: importing it costs start-up time the
// chat commands do not need.
if (process.argv[2] === 'sim') {
  const { runScenarioCommand, simCommand } = await import('./sim-command.js')
  program.addCommand(
    simCommand('sim').action(function (this: Command) {
      process.exitCode = runScenarioCommand(this.opts<SimOptions>(), 'text')
    }),
  )
} else {
  program.command('sim').description('run a seeded simulation scenario of the protocol (`hearsay sim --help` for its options)')
}

// Usage errors exit 2 (runtime failures exit 1).
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
for (const command of program.commands) command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))

try {
  await program.parseAsync()
} catch (err) {
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`hearsay: ${message}\n`)
  process.exitCode = err instanceof UsageError ? 2 : err instanceof HearsayError || err instanceof Error ? 1 : 1
}
