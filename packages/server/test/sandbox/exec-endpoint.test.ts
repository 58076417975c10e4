// An exec command runs in the session's sandbox, whose network reaches only the allowed hosts.
// Its request may add variables to the command's environment, but none that the sandbox reads
// as an endpoint or a credential: with ANTHROPIC_BASE_URL the sandbox would start a model
// gateway on the host forwarding to wherever the request named (a host-only service on
// loopback, a cloud metadata address), past the egress allow-list.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { exec } from '../files/helpers.js'
import { startStack, type Stack } from '../helpers/stack.js'

const HOST_ONLY = 'host-only-service-answer'

describe('exec environment and the sandbox network', () => {
  let stack: Stack
  let hostOnly: Server
  let url: string
  before(async () => {
    hostOnly = createServer((_req, res) => res.end(HOST_ONLY))
    await new Promise<void>((r) => hostOnly.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(hostOnly.address() as AddressInfo).port}`
    stack = await startStack({ settings: { prewarm: false } })
  })
  after(async () => {
    await stack.close()
    hostOnly.close()
  })

  for (const name of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN']) {
    it(`refuses ${name} in a command's environment`, async () => {
      const env = { [name]: name === 'ANTHROPIC_BASE_URL' ? url : 'x'.repeat(20) }
      const res = await exec(stack.url, 'default', { command: `curl -s --noproxy '*' http://127.0.0.1:7480/`, shell: true, env })
      assert.equal(res.stdout.includes(HOST_ONLY), false, 'the host-only service answered inside the sandbox')
      assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], JSON.stringify(res.body))
      assert.match(String(res.body['error']), new RegExp(`env\\.${name}`))
    })
  }

  it('still passes other variables to the command', async () => {
    const res = await exec(stack.url, 'default', { command: 'printf %s "$GREETING"', shell: true, env: { GREETING: 'hello' } })
    assert.equal(res.stdout, 'hello')
  })
})
