#!/usr/bin/env node
// The `hearsay` command: runs the compiled CLI from dist/ (built by `npm run build`,
// which `npm install` in a clone and `npm pack` run).
import { existsSync } from 'node:fs'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('hearsay: dist/ is missing; run `npm run build` in the hearsay directory first\n')
  process.exit(1)
}
await import(main.href)
