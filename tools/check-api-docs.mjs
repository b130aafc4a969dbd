#!/usr/bin/env node
/**
 * Fails when a public export (or a member of one) has no TSDoc comment.
 *
 * Runs TypeDoc's validation over the four entry points (`hearsay`, `hearsay/proto`,
 * `hearsay/transport`, `hearsay/sim`; see typedoc.json) without writing any output and
 * compares its warnings with tools/api-undocumented.txt, the list of protocol-core and
 * simulator members still owed a comment. Any other warning (a new undocumented export,
 * a broken {@link}, a referenced type that is not exported) fails the check. A listed
 * entry that has been documented is reported so the list can shrink; it does not fail.
 *
 *   node tools/check-api-docs.mjs            check
 *   node tools/check-api-docs.mjs --update   rewrite the list from the current warnings
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const listFile = fileURLToPath(new URL('./api-undocumented.txt', import.meta.url))
const typedoc = fileURLToPath(new URL('../node_modules/typedoc/bin/typedoc', import.meta.url))

const run = spawnSync(process.execPath, [typedoc, '--emit', 'none', '--treatWarningsAsErrors', 'false', '--logLevel', 'Warn'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  timeout: 120_000,
})
const output = `${run.stdout}${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '')
if (run.status !== 0 || /^\[error\]/m.test(output)) {
  process.stderr.write(`${output}\ncheck-api-docs: typedoc failed (exit ${run.status}): fix the errors above\n`)
  process.exit(1)
}
const warnings = output
  .split('\n')
  .filter((line) => line.startsWith('[warning] ') && !/^\[warning\] Found \d+ errors? and \d+ warnings?/.test(line))
  .map((line) => line.slice('[warning] '.length).trim())

if (process.argv.includes('--update')) {
  const owed = [...new Set(warnings)].filter((w) => /defined in \S*src\/gossip\/(proto|sim)\//.test(w)).sort()
  writeFileSync(listFile, `${owed.join('\n')}\n`)
  process.stdout.write(`check-api-docs: wrote ${owed.length} entries to tools/api-undocumented.txt\n`)
  process.exit(0)
}

const listed = new Set(
  existsSync(listFile)
    ? readFileSync(listFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
    : [],
)
const unexpected = warnings.filter((w) => !listed.has(w))
const seen = new Set(warnings)
const fixed = [...listed].filter((w) => !seen.has(w))
if (fixed.length > 0) {
  process.stdout.write(`check-api-docs: ${fixed.length} listed entries are documented now; remove them from tools/api-undocumented.txt (or run with --update)\n`)
}
if (unexpected.length > 0) {
  process.stderr.write(
    `${unexpected.map((w) => `  ${w}`).join('\n')}\ncheck-api-docs: ${unexpected.length} public exports or members lack TSDoc (or a doc link is broken): add a /** ... */ comment to each\n`,
  )
  process.exit(1)
}
process.stdout.write(`check-api-docs: every public export is documented (${listed.size - fixed.length} protocol-core / simulator members listed as owed)\n`)
