// A session's sandbox shows nothing of other sessions' cgroups: with one group per session
// named after its id, any agent could list /sys/fs/cgroup/<controller>/claude-agent and read
// every session's id (other tenants' included) and how much memory each used. What it does show
// is its own group's memory limit, where runtimes (Node, the JVM, Go) size their heaps from.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { exec } from '../files/helpers.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

const NEIGHBOUR = 'neighbour-4f1c9e'
const LIMIT = 300 * 1024 ** 2
/** Prints the memory limit the way a runtime finds it: its group in /proc/self/cgroup, then the file. */
const READ_LIMIT =
  'g=$(sed -n "s/^[0-9]*:memory://p" /proc/self/cgroup); echo "group=$g"; ' +
  'echo "limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; ' +
  `${JSON.stringify(process.execPath)} -e 'console.log("node=" + process.constrainedMemory())'`

/** The model asks for one Bash command, then answers with its output. */
const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})
const cgroupV1 = ['memory', 'pids'].every((c) => existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`))

describe('cgroups seen from a sandbox', { skip: !cgroupV1 && 'no cgroup v1 memory and pids hierarchies here' }, () => {
  let stack: Stack
  let neighbour: WsProbe
  before(async () => {
    stack = await startStack({ scenario: { scripts: [say('hello', 'hi'), runBash('limit', READ_LIMIT)] }, settings: { prewarm: false } })
    for (const id of [NEIGHBOUR, 'prober']) {
      const config = { limits: { memory: `${LIMIT / 1024 ** 2}MiB` }, permissionMode: 'bypassPermissions' }
      const res = await fetch(`${stack.url}/sessions`, { method: 'POST', body: JSON.stringify({ id, config }) })
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

  it("shows a command its own group's memory files, and no group inside or beside it", async () => {
    const script =
      'find /sys/fs/cgroup -mindepth 1 -type d; ls /sys/fs/cgroup; test -e /sys/fs/cgroup/memory/memory.limit_in_bytes && echo END'
    const res = await exec(stack.url, 'prober', { command: script, shell: true })
    assert.equal(res.stdout, '/sys/fs/cgroup/memory\nmemory\nEND\n', res.stderr)
    const write = await exec(stack.url, 'prober', { command: 'echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes', shell: true })
    assert.notEqual(write.exit, 0, 'the limit is read-only inside')
  })

  it("lets a command read the session's memory limit where its cgroup says", async () => {
    const res = await exec(stack.url, 'prober', { command: READ_LIMIT, shell: true })
    assert.equal(res.stdout, `group=/\nlimit=${LIMIT}\nnode=${LIMIT}\n`, res.stderr)
  })

  it("lets the agent's Bash tool read the session's memory limit", async () => {
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/prober/ws`)
    try {
      probe.prompt('limit')
      const result = String(sdkData(await probe.result(0))['result'])
      assert.match(result, new RegExp(`limit=${LIMIT}\\n`), result)
      assert.match(result, new RegExp(`node=${LIMIT}`), result)
    } finally {
      probe.socket.close()
    }
  })
})
