#!/usr/bin/env node
// Lets `npm start` and `npm test` work as the first commands on a fresh clone: installs the
// locked dependencies when they are missing. It must not import any dependency itself.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync('node_modules/.package-lock.json') || !existsSync('node_modules/@anthropic-ai/claude-agent-sdk')) {
  console.error('Installing dependencies (npm ci) ...')
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
