/**
 * The real-network lab from the command line: K hosts in network namespaces on a
 * user-space switch with a link profile, real hearsay nodes, one JSON object on stdout
 * (parameters and figures), progress on stderr. Needs root, iproute2 and python3.
 *
 *   npm run lab -- --profile 4g
 *   npm run lab -- --profile lan40 --senders 12 --messages 20
 *   npm run lab -- --profile wifi --unplug 1
 *   npm run lab -- --profile lan --partition-seconds 60
 *   npm run lab -- --mdns --senders 1 --messages 5
 *
 * Bounded: join ≤ 30 s, traffic = (warmup + messages) / rate (longer with a partition),
 * drain ≤ --max-drain-ms; the lab is deleted on exit, Ctrl-C or an error.
 */
import { Command, InvalidArgumentError } from 'commander'
import { nonNegativeInt } from '../src/cli/int-args.js'
import { runScenario, SCENARIO_DEFAULTS } from '../test/lab/scenario.js'
import { labUnavailableReason } from '../test/lab/network.js'
import { PROFILES } from '../test/lab/profiles.js'

const positive = (value: string): number => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number')
  return n
}

const d = SCENARIO_DEFAULTS
const options = new Command('lab')
  .description('run hearsay nodes in network namespaces over emulated links')
  .option('--hosts <n>', 'hosts (one node each)', nonNegativeInt, d.hosts)
  .option('--profile <name>', `link profile: ${Object.keys(PROFILES).join(', ')}`, d.profile)
  .option('--senders <n>', 'hosts that send (the first ones)', nonNegativeInt, d.senders)
  .option('--messages <n>', 'measured messages per sender', nonNegativeInt, d.messages)
  .option('--rate <perSecond>', 'messages per second per sender', positive, d.ratePerSender)
  .option('--warmup <n>', 'unmeasured messages per sender first', nonNegativeInt, d.warmup)
  .option('--size <bytes>', 'payload bytes', nonNegativeInt, d.sizeBytes)
  .option('--partition-seconds <s>', 'partition into halves for this long during the traffic (0 = none)', nonNegativeInt, d.partitionSeconds)
  .option('--unplug <n>', 'hosts to unplug silently during the traffic', nonNegativeInt, d.unplug)
  .option('--mdns', 'form the swarm by mDNS only (no bootstrap peers)', false)
  .option('--mdns-interval-ms <ms>', 'mDNS query interval', nonNegativeInt, d.mdnsIntervalMs)
  .option('--settle-ms <ms>', 'quiet time after the swarm formed', nonNegativeInt, d.settleMs)
  .option('--max-drain-ms <ms>', 'longest wait for stragglers', nonNegativeInt, d.maxDrainMs)
  .option('--keepalive-interval-ms <ms>', 'transport keepaliveIntervalMs for every node', nonNegativeInt)
  .option('--idle-timeout-ms <ms>', 'transport idleTimeoutMs for every node', nonNegativeInt)
  .option('--silent-peer-max-ms <ms>', 'transport silentPeerMaxMs for every node (0 = no silent-peer deadline)', nonNegativeInt)
  .option('--after-unplug-ms <ms>', 'with --unplug, the run lasts at least this long after it', nonNegativeInt, d.afterUnplugMs)
  .option('--seed <n>', 'seed (topology, switch randomness)', nonNegativeInt, d.seed)
  .parse()
  .opts<{
    hosts: number
    profile: string
    senders: number
    messages: number
    rate: number
    warmup: number
    size: number
    partitionSeconds: number
    unplug: number
    mdns: boolean
    mdnsIntervalMs: number
    settleMs: number
    maxDrainMs: number
    keepaliveIntervalMs?: number
    idleTimeoutMs?: number
    silentPeerMaxMs?: number
    afterUnplugMs: number
    seed: number
  }>()

const unavailable = labUnavailableReason()
if (unavailable !== undefined) {
  console.error(`lab: ${unavailable}`)
  process.exit(2)
}
const transportOptions: Record<string, number> = {}
if (options.keepaliveIntervalMs !== undefined) transportOptions.keepaliveIntervalMs = options.keepaliveIntervalMs
if (options.idleTimeoutMs !== undefined) transportOptions.idleTimeoutMs = options.idleTimeoutMs
if (options.silentPeerMaxMs !== undefined) transportOptions.silentPeerMaxMs = options.silentPeerMaxMs

const result = await runScenario({
  hosts: options.hosts,
  profile: options.profile,
  seed: options.seed,
  senders: Math.min(options.senders, options.hosts),
  messages: options.messages,
  ratePerSender: options.rate,
  warmup: options.warmup,
  sizeBytes: options.size,
  partitionSeconds: options.partitionSeconds,
  unplug: options.unplug,
  mdns: options.mdns,
  mdnsIntervalMs: options.mdnsIntervalMs,
  settleMs: options.settleMs,
  maxDrainMs: options.maxDrainMs,
  afterUnplugMs: options.afterUnplugMs,
  ...(Object.keys(transportOptions).length === 0 ? {} : { transportOptions }),
  log: (line) => console.error(`lab: ${line}`),
})
console.log(JSON.stringify(result))
