// An exec command runs in the session's sandbox, whose network reaches only the allowed hosts,
// and its request's variables reach the command only: the host-side wrapper around it (the
// limits' /bin/sh, bwrap) runs without them, or LD_PRELOAD would run a library the member
// uploaded on the host, outside the sandbox.
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

  it("gives a command's variables to the command alone, never to the host-side wrapper around it", async () => {
    // The dynamic loader obeys LD_DEBUG (as it obeys LD_PRELOAD) in every process it starts
    // with it: a host process that got it (the limits' /bin/sh, bwrap) names itself here.
    const res = await exec(stack.url, 'default', { command: '/usr/bin/env', env: { LD_DEBUG: 'libs', MARK: 'given' } })
    assert.equal(res.exit?.['code'], 0, res.stderr.slice(0, 500))
    const programs = [...res.stderr.matchAll(/initialize program: (\S+)/g)].map((m) => m[1])
    assert.ok(programs.includes('/usr/bin/env'), `the command got LD_DEBUG: ${programs.join(', ')}`)
    assert.deepEqual(
      programs.filter((p) => /(^|\/)(sh|dash|bash|bwrap)$/.test(p!)),
      [],
      "a host-side process ran with the request's variables",
    )
    assert.match(res.stdout, /^MARK=given$/m)
  })

  it('still passes other variables to the command', async () => {
    const res = await exec(stack.url, 'default', { command: 'printf %s "$GREETING"', shell: true, env: { GREETING: 'hello' } })
    assert.equal(res.stdout, 'hello')
  })
})
