#!/usr/bin/env node
// Lets `npm start` and `npm test` work as the first commands on a fresh clone: installs the
// locked dependencies when they are missing, and the Debian packages the command needs when
// they are missing and this is a Debian-like machine where we are root: bubblewrap (the
// sandbox every agent runs in) for both; for `npm test` also tmux (the terminal client's
// tests), postgresql (the cluster's) and chromium (the browser's). It must not import any
// dependency itself.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0

/** Each package, and whether this machine has it. */
const PACKAGES = {
  bubblewrap: () => onPath('bwrap'),
  tmux: () => onPath('tmux'),
  postgresql: () => existsSync('/usr/lib/postgresql'),
  chromium: () => onPath('chromium') || onPath('chromium-browser'),
}
const wanted = process.env.npm_lifecycle_event === 'pretest' ? Object.keys(PACKAGES) : ['bubblewrap']
const missing = wanted.filter((name) => !PACKAGES[name]())

if (missing.length > 0) {
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.error(`Installing ${missing.join(', ')} (apt-get) ...`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', ...missing],
    ]) {
      const result = spawnSync('apt-get', args, { stdio: 'inherit', env })
      if (result.status !== 0) process.exit(result.status ?? 1)
    }
  } else if (missing.includes('bubblewrap') && wanted.length === 1) {
    console.error('bubblewrap is not installed: install the package `bubblewrap` (e.g. sudo apt-get install bubblewrap),')
    console.error('or run the server without isolation: npm start -- --sandbox none')
  } else {
    console.error(
      `The tests need these packages, not installed here: ${missing.join(' ')} (e.g. sudo apt-get install ${missing.join(' ')})`,
    )
  }
}

if (!existsSync('node_modules/.package-lock.json') || !existsSync('node_modules/@anthropic-ai/claude-agent-sdk')) {
  console.error('Installing dependencies (npm ci) ...')
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
