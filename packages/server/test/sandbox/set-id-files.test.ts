// A server running as root runs its sandboxes as root mapped to the host's root: a file made
// in the workspace is the host root's. A command or an agent's tool that made one setuid
// (chmod 4755, or created with that mode) left a root program on the host that any local user
// who could reach it ran as root; bwrap's nosuid mounts stop it only inside. The sandbox's
// seccomp filter refuses each way to make a setuid or setgid file; other modes work as before.
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exec } from '../files/helpers.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

/** Every way to a setuid or setgid file a program has; each prints what it got. */
const ATTEMPTS = [
  'cp /usr/bin/id prog',
  'chmod 4755 prog; echo "chmod-suid=$?"',
  'chmod g+s prog; echo "chmod-sgid=$?"',
  'chmod 700 prog; echo "chmod-plain=$?"',
  `${JSON.stringify(process.execPath)} -e '` +
    'const fs = require("fs"); ' +
    'try { fs.closeSync(fs.openSync("made", "w", 0o4755)); console.log("open-suid=0") } catch (e) { console.log("open-suid=" + e.code) }; ' +
    'try { fs.fchmodSync(fs.openSync("prog", "r"), 0o2755); console.log("fchmod-sgid=0") } catch (e) { console.log("fchmod-sgid=" + e.code) }' +
    "'",
].join('; ')

const refused = (out: string) => {
  assert.match(out, /chmod-suid=1/)
  assert.match(out, /chmod-sgid=1/)
  assert.match(out, /chmod-plain=0/)
  assert.match(out, /open-suid=EPERM/)
  assert.match(out, /fchmod-sgid=EPERM/)
}

/** The mode bits of `file`, set-id ones included. */
const modeOf = (file: string) => statSync(file).mode & 0o7777

describe('set-id files in the sandbox', () => {
  let stack: Stack
  before(async () => {
    const tool = {
      match: { prompt: 'set-id' },
      replies: [
        { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: ATTEMPTS.replaceAll('prog', 'tool-prog') } }] },
        { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
      ],
    }
    stack = await startStack({ scenario: { scripts: [tool] }, settings: { prewarm: false } })
    const res = await fetch(`${stack.url}/sessions`, {
      method: 'POST',
      body: JSON.stringify({ id: 'setter', config: { permissionMode: 'bypassPermissions' } }),
    })
    assert.equal(res.status, 201, await res.text())
  })
  after(() => stack.close())

  it('refuses a command every way to make one, and allows other modes', async () => {
    const res = await exec(stack.url, 'setter', { command: ATTEMPTS, shell: true })
    refused(res.stdout)
    const dir = stack.workspaceOf('setter')
    assert.equal(modeOf(join(dir, 'prog')), 0o700)
    assert.equal(statSync(join(dir, 'made'), { throwIfNoEntry: false }), undefined)
  })

  it("refuses the agent's Bash tool the same", async () => {
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/setter/ws`)
    try {
      probe.prompt('set-id')
      const result = String(sdkData(await probe.result(0))['result'])
      refused(result)
      assert.equal(modeOf(join(stack.workspaceOf('setter'), 'tool-prog')), 0o700)
    } finally {
      probe.socket.close()
    }
  })
})
