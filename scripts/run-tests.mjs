#!/usr/bin/env node
// Runs every test file (packages/*/test/**/*.test.ts, deploy/test/**, test/** for the packages as published) with node's test runner through tsx.
// Node 20's --test takes no globs, so the files are collected here. Extra args pass through,
// e.g. `npm test -- --test-name-pattern=interrupt` or a file filter: `npm test -- server/`.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function collect(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) collect(path, out)
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const args = process.argv.slice(2)
const filters = args.filter((a) => !a.startsWith('--'))
const flags = args.filter((a) => a.startsWith('--'))
const roots = [...readdirSync('packages').map((p) => join('packages', p, 'test')), join('deploy', 'test'), 'test']
let files = roots.flatMap((root) => {
  try {
    return collect(root)
  } catch {
    return []
  }
})
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)))
files.sort()
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--conditions=claude-agent-source', '--test', '--test-concurrency=2', '--test-timeout=180000', ...flags, ...files],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
