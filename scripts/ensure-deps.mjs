#!/usr/bin/env node
// Lets `npm start` and `npm test` work as the first commands on a fresh clone: installs the
// locked dependencies when they are missing, and bubblewrap (the sandbox every agent runs in)
// when it is missing and this is a Debian-like machine where we are root. It must not import
// any dependency itself.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0

if (!onPath('bwrap')) {
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.error('Installing bubblewrap (apt-get) for the agent sandbox ...')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', 'bubblewrap'],
    ]) {
      const result = spawnSync('apt-get', args, { stdio: 'inherit', env })
      if (result.status !== 0) process.exit(result.status ?? 1)
    }
  } else {
    console.error('bubblewrap is not installed: install the package `bubblewrap` (e.g. sudo apt-get install bubblewrap),')
    console.error('or run the server without isolation: npm start -- --sandbox none')
  }
}

if (!existsSync('node_modules/.package-lock.json') || !existsSync('node_modules/@anthropic-ai/claude-agent-sdk')) {
  console.error('Installing dependencies (npm ci) ...')
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
