#!/usr/bin/env node
// Records a short chat between three `hearsay` processes in terminals (tmux panes,
// 80 columns) on 127.0.0.1, and prints bob's and carol's screens at the end (wrapped
// rows joined, tickets shortened): the
// transcript in README.md ("What the chat looks like") is this script's output.
//   node tools/chat-transcript.mjs          (needs tmux and a build: npm run build)
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../bin/hearsay.js', import.meta.url))
const socket = `hearsay-transcript-${process.pid}`
const stateDir = mkdtempSync(join(tmpdir(), 'hearsay-transcript-'))
const common = ['--no-mdns', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--name-interval', '500']

function tmux(...args) {
  const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr || r.error}`)
  return r.stdout
}
const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`
function start(name, args) {
  const command = ['env', 'DEBUG=', 'NO_COLOR=1', process.execPath, BIN, ...args].map(quote).join(' ')
  tmux(name === 'alice' ? 'new-session' : 'new-window', ...(name === 'alice' ? ['-d', '-s', 'chat', '-n', name, '-x', '80', '-y', '18'] : ['-d', '-t', 'chat', '-n', name]), command)
}
const screen = (name) => tmux('capture-pane', '-p', '-t', `chat:${name}`).replace(/\s+$/, '')
const type = (name, text) => tmux('send-keys', '-t', `chat:${name}`, '-l', text)
const enter = (name) => tmux('send-keys', '-t', `chat:${name}`, 'Enter')
async function until(what, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

try {
  start('alice', ['open', '--name', 'alice', ...common])
  await until('a ticket', () => /hearsay1/.test(tmux('capture-pane', '-p', '-J', '-t', 'chat:alice')))
  const ticket = /hearsay1[a-z0-9]+/.exec(tmux('capture-pane', '-p', '-J', '-t', 'chat:alice'))[0]
  start('bob', ['join', ticket, '--name', 'bob', ...common])
  await until('bob connected', () => screen('bob').includes('is alice'))
  type('alice', 'anyone for lunch? 🍜')
  enter('alice')
  await until('alice at bob', () => screen('bob').includes('lunch?'))
  type('bob', 'yes, the ramen pl')
  await until('bob typing', () => screen('bob').includes('ramen pl'))
  type('alice', 'great, 12:30 then')
  enter('alice')
  await until('a line while bob types', () => screen('bob').includes('12:30 then'))
  type('bob', 'ace on 3rd street?')
  enter('bob')
  await until('bob at alice', () => screen('alice').includes('3rd street'))
  start('carol', ['join', ticket, '--name', 'carol', ...common])
  await until('carol history', () => screen('carol').includes('end of history'))
  type('carol', '/neigbors')
  enter('carol')
  await until('refusal', () => screen('carol').includes('unknown command'))
  type('carol', 'count me in!')
  enter('carol')
  await until('carol at alice', () => screen('alice').includes('count me in'))
  await until('carol at bob', () => screen('bob').includes('count me in'))
  for (const name of ['bob', 'carol']) {
    process.stdout.write(`$ hearsay ${name === 'bob' ? 'join <ticket> --name bob' : 'join <ticket> --name carol   (joins later)'}\n`)
    const all = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', `chat:${name}`).replace(/\s+$/, '')
    // A new tmux window starts at its default size and is resized: the prompts drawn
    // before that are left in the scrollback above the first line. Drop them.
    const lines = all.replace(/hearsay1[a-z0-9]+/g, 'hearsay1…').split('\n')
    while (lines.length > 1 && /^\S*> ?$/.test(lines[0])) lines.shift()
    process.stdout.write(`${lines.join('\n')}\n\n`)
  }
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'])
}
