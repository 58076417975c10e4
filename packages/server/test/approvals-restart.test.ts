// A server killed while a permission request is open: after the restart the request is
// resolved as denied (reason `restart`), the turn is recorded as interrupted, and the tool
// never ran. Never a silent allow.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { api } from './helpers/http.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { WsProbe } from './helpers/ws-probe.js'

describe('restart with an open permission request', () => {
  const servers: ServerProcess[] = []
  const dir = mkdtempSync(join(tmpdir(), 'cas-approve-restart-'))
  after(() => {
    for (const s of servers) s.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('ends the turn as interrupted and denies the request', async () => {
    const model = await startScriptedModel({
      scenario: {
        scripts: [
          {
            match: { prompt: 'risky' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo ran > risky.txt' } }] },
              { content: [{ type: 'text', text: 'ok' }] },
            ],
          },
        ],
      },
    })
    try {
      const env = {
        HOME: dir,
        DATA_DIR: join(dir, 'data'),
        WORKSPACE_DIR: join(dir, 'workspace'),
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'sk-approve-restart-0123456789',
        CLAUDE_CODE_MAX_RETRIES: '0',
      }
      const first = await spawnServer(env, dir)
      servers.push(first)
      await api(first.url, 'POST', '/sessions', { id: 'pending' })
      const probe = await WsProbe.connect(`${first.wsBase}/sessions/pending/ws`)
      probe.prompt('risky')
      const request = await probe.next((f) => f.type === 'permission_request')
      first.child.kill('SIGKILL')
      await first.exited

      const second = await spawnServer(env, dir)
      servers.push(second)
      const events = (await api(second.url, 'GET', '/sessions/pending/events')).body['events'] as Array<Record<string, unknown>>
      const resolved = events.find((e) => e['type'] === 'permission_resolved')
      assert.ok(resolved, 'the open request was resolved after the restart')
      assert.equal(resolved['requestId'], request['requestId'])
      assert.deepEqual([resolved['decision'], resolved['reason']], ['deny', 'restart'])
      assert.ok(events.some((e) => e['type'] === 'error' && e['code'] === 'INTERRUPTED_BY_RESTART'))
      assert.equal((await api(second.url, 'GET', '/sessions/pending')).body['session'].state, 'suspended')
      await new Promise((r) => setTimeout(r, 500))
      assert.equal(existsSync(join(dir, 'workspace', 'risky.txt')), false, 'the tool never ran')
      const audit = (await api(second.url, 'GET', '/sessions/pending/permissions')).body['events'] as unknown[]
      assert.equal(audit.length, 2)
      probe.close()
    } finally {
      await model.close()
    }
  })
})
