// A session's sandbox shows nothing of other sessions' cgroups: with one group per session
// named after its id, any agent could list /sys/fs/cgroup/<controller>/claude-agent and read
// every session's id (other tenants' included) and how much memory each used.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { exec } from '../files/helpers.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

const NEIGHBOUR = 'neighbour-4f1c9e'
const cgroupV1 = ['memory', 'pids'].every((c) => existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`))

describe('cgroups seen from a sandbox', { skip: !cgroupV1 && 'no cgroup v1 memory and pids hierarchies here' }, () => {
  let stack: Stack
  let neighbour: WsProbe
  before(async () => {
    stack = await startStack({ scenario: { scripts: [say('hello', 'hi')] }, settings: { prewarm: false } })
    for (const id of [NEIGHBOUR, 'prober']) {
      const res = await fetch(`${stack.url}/sessions`, { method: 'POST', body: JSON.stringify({ id }) })
      assert.equal(res.status, 201, await res.text())
    }
    // The neighbour's agent answers a turn and stays running: its group exists meanwhile.
    neighbour = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${NEIGHBOUR}/ws`)
    neighbour.prompt('hello')
    await neighbour.result(0)
  })
  after(async () => {
    neighbour?.socket.close()
    await stack?.close()
  })

  it("finds no other session's id under /sys/fs/cgroup or in /proc", async () => {
    const script = [
      'find /sys/fs/cgroup 2>/dev/null',
      'cat /proc/*/cgroup /proc/*/mountinfo 2>/dev/null',
      `grep -rl ${NEIGHBOUR} /sys/fs/cgroup 2>/dev/null`,
      'echo END',
    ].join('; ')
    const res = await exec(stack.url, 'prober', { command: script, shell: true })
    assert.match(res.stdout, /END\n$/, res.stderr)
    assert.equal(
      res.stdout.includes(NEIGHBOUR),
      false,
      res.stdout
        .split('\n')
        .filter((l) => l.includes(NEIGHBOUR))
        .slice(0, 5)
        .join('\n'),
    )
  })

  it('shows a command no cgroup file at all (nor how much memory other groups use)', async () => {
    const res = await exec(stack.url, 'prober', { command: 'find /sys/fs/cgroup -type f 2>/dev/null | head -5; echo END', shell: true })
    assert.equal(res.stdout, 'END\n', res.stderr)
  })
})
