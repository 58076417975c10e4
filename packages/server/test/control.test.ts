// Live control during a session: change the permission mode and the model, interrupt, and list
// the CLI's commands, models and MCP servers; each answered by a control_response.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { lastTurnRequest, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, type Frame } from './helpers/ws-probe.js'

describe('live control', () => {
  let stack: Stack
  let probe: WsProbe
  let n = 0
  const control = async (request: object): Promise<Frame> => {
    const id = `req-${++n}`
    probe.send({ type: 'control', id, request })
    return probe.next((f) => f.type === 'control_response' && f['id'] === id)
  }

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          {
            match: { prompt: 'use a tool' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo ok > unasked.txt' } }] },
              { content: [{ type: 'text', text: 'done' }] },
            ],
          },
          { match: { prompt: 'which model' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'some model' }] }] },
        ],
      },
    })
    await api(stack.url, 'POST', '/sessions', {
      id: 'ctl',
      config: { mcpServers: { broken: { command: '/nonexistent/mcp-server', env: { TOKEN: 'sk-mcp-secret-0123456789' } } } },
    })
    probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/ctl/ws`)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  it('lists commands, models and MCP servers (starting the CLI if needed)', async () => {
    const commands = await control({ subtype: 'list_commands' })
    assert.equal(commands['ok'], true)
    assert.ok(Array.isArray(commands['result']) && (commands['result'] as unknown[]).length > 0)
    const models = await control({ subtype: 'list_models' })
    assert.equal(models['ok'], true)
    assert.ok(Array.isArray(models['result']))
    const servers = await control({ subtype: 'list_mcp_servers' })
    assert.equal(servers['ok'], true)
    const broken = (servers['result'] as Array<{ name: string; status: string }>).find((s) => s.name === 'broken')
    assert.ok(broken, 'the configured MCP server is listed')
    assert.notEqual(broken.status, 'connected')
  })

  it('never returns MCP secrets', async () => {
    const info = (await api(stack.url, 'GET', '/sessions/ctl')).body['session']
    assert.equal(info.config.mcpServers.broken.env.TOKEN, '[redacted]')
    assert.ok(!JSON.stringify(probe.frames).includes('sk-mcp-secret-0123456789'))
  })

  it('changes the permission mode live: the next tool call is not asked', async () => {
    // The running CLI was not launched for bypass mode, so the change takes a fresh CLI.
    const ack = await control({ subtype: 'set_permission_mode', mode: 'bypassPermissions' })
    assert.equal(ack['ok'], true)
    assert.deepEqual(ack['result'], { permissionMode: 'bypassPermissions', applied: 'next_turn' })
    const from = probe.frames.length
    probe.prompt('use a tool')
    await probe.result(from)
    assert.ok(existsSync(join(stack.workspaceOf('ctl'), 'unasked.txt')))
    assert.equal(probe.frames.slice(from).filter((f) => f.type === 'permission_request').length, 0)
    assert.equal((await api(stack.url, 'GET', '/sessions/ctl')).body['session'].config.permissionMode, 'bypassPermissions')
  })

  it('changes the model live: the next request uses it', async () => {
    const ack = await control({ subtype: 'set_model', model: 'claude-live-switch' })
    assert.deepEqual(ack['result'], { model: 'claude-live-switch', applied: 'now' }, 'the running CLI switched')
    const from = probe.frames.length
    probe.prompt('which model')
    await probe.result(from)
    assert.ok(lastTurnRequest(stack).includes('"model":"claude-live-switch"'))
  })

  it('switches the permission mode of a running CLI at once when it can', async () => {
    const ack = await control({ subtype: 'set_permission_mode', mode: 'acceptEdits' })
    assert.deepEqual(ack['result'], { permissionMode: 'acceptEdits', applied: 'now' })
  })

  it('interrupts through control, and refuses bad control frames', async () => {
    const idle = await control({ subtype: 'interrupt' })
    assert.deepEqual(idle['result'], { interrupted: false })
    const from = probe.frames.length
    // A control it cannot read is still answered by its one control_response, when it has an id.
    probe.send({ type: 'control', id: 'x', request: { subtype: 'self_destruct' } })
    const unknown = await probe.next((f) => f.type === 'control_response' && f['id'] === 'x', { from })
    assert.equal(unknown['ok'], false)
    assert.equal((unknown['error'] as { code: string }).code, 'INVALID_FRAME')
    probe.send({ type: 'control', id: 'y', request: { subtype: 'set_permission_mode', mode: 'yolo' } })
    const badMode = await probe.next((f) => f.type === 'control_response' && f['id'] === 'y', { from })
    assert.equal((badMode['error'] as { code: string }).code, 'INVALID_FRAME')
    probe.send({ type: 'control', request: { subtype: 'list_models' } })
    const missingId = await probe.next((f) => f.type === 'error', { from })
    assert.equal(missingId['code'], 'INVALID_FRAME')
    assert.ok(!probe.frames.slice(from).some((f) => f.type === 'error' && f !== missingId), 'no error frame besides the answers')
  })
})
