// Agent processes a killed server left behind are found by the state directory in their
// environment and killed at start-up; other processes are left alone.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { killOrphanedAgents } from '../src/agent/orphans.js'
import { agentProcesses } from './helpers/processes.js'

describe('orphaned agent processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-orphans-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('kills the processes of this data directory only', async () => {
    const sessions = join(dir, 'sessions')
    const start = (configDir: string) =>
      spawn('sleep', ['60'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CLAUDE_CONFIG_DIR: configDir }, stdio: 'ignore' })
    const orphan = start(join(sessions, 's1', 'claude'))
    const stranger = start(join(dir, 'elsewhere', 'claude'))
    const orphanExit = new Promise((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)))
    try {
      assert.deepEqual(agentProcesses(sessions), [orphan.pid])
      assert.deepEqual(killOrphanedAgents(sessions), [orphan.pid])
      assert.equal(await orphanExit, 'SIGKILL')
      assert.equal(stranger.exitCode, null, "another directory's process is left alone")
    } finally {
      orphan.kill('SIGKILL')
      stranger.kill('SIGKILL')
    }
  })
})
