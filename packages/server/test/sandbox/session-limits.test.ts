// The real CLI in the real sandbox, in a real cgroup (v1 on this machine): one session floods
// its sandbox with processes, then allocates memory without end; each stops at the session's
// limit, the conversation and the session's log say which, while another session answers a
// turn. Every group this server made is gone once it has closed.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData, type Frame } from '../helpers/ws-probe.js'

const CGROUP_PARENTS = ['memory', 'pids', 'cpu'].map((c) => `/sys/fs/cgroup/${c}/claude-agent`)
const PIDS = 96
const MEMORY = '384MiB'

/** The model asks for one Bash command, then answers with its output. */
const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command, timeout: 120_000 } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

/** This process's server groups (`<pid>-<random>`) under each hierarchy. */
const ourGroups = () =>
  CGROUP_PARENTS.flatMap((parent) => (existsSync(parent) ? readdirSync(parent) : []).filter((name) => name.startsWith(`${process.pid}-`)))

const cgroupV1 = CGROUP_PARENTS.slice(0, 2).every((p) => existsSync(p.replace(/claude-agent$/, 'cgroup.procs')))

describe('session limits in a real cgroup', { skip: !cgroupV1 && 'no cgroup v1 memory and pids hierarchies here' }, () => {
  let stack: Stack
  let hog: WsProbe
  let other: WsProbe
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await stack.close()
  }

  async function turn(probe: WsProbe, prompt: string): Promise<{ text: string; frames: Frame[] }> {
    const from = probe.frames.length
    probe.prompt(prompt)
    const result = sdkData(await probe.result(from))
    return { text: String(result['result']), frames: probe.frames.slice(from) }
  }

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          // Output kept away from the tool's pipe, so the tool does not wait for the sleeps.
          runBash('flood', 'for i in $(seq 5000); do sleep 20 >/dev/null 2>&1 & done; echo "all started"'),
          runBash('hog', `node -e 'const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1))'; echo "hog exit=$?"`),
          { match: { prompt: 'hello' }, replies: [{ content: [{ type: 'text', text: 'hello from the other session' }] }] },
          { match: { prompt: 'again' }, replies: [{ content: [{ type: 'text', text: 'hello again from the other session' }] }] },
        ],
      },
    })
    for (const [id, limits] of [
      ['limited', { pids: PIDS, memory: MEMORY }],
      ['other', {}],
    ] as const) {
      const res = await fetch(`${stack.url}/sessions`, {
        method: 'POST',
        body: JSON.stringify({ id, config: { limits, permissionMode: 'bypassPermissions' } }),
      })
      assert.equal(res.status, 201, await res.text())
    }
    hog = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/limited/ws`)
    other = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/other/ws`)
  })

  after(async () => {
    hog?.socket.close()
    other?.socket.close()
    if (stack) await close()
  })

  it('shows the limits in force in the session info', async () => {
    const info = (await (await fetch(`${stack.url}/sessions/limited`)).json()) as { session: { usage: Record<string, unknown> } }
    assert.equal(info.session.usage['pids'], PIDS)
    assert.equal(info.session.usage['memoryBytes'], 384 * 1024 ** 2)
    assert.equal(info.session.usage['enforcement'], 'cgroup-v1')
  })

  it('stops a process flood at the pids limit while another session answers', async () => {
    const flood = turn(hog, 'flood')
    // The flooded session's CLI is up; the other answers meanwhile.
    await hog.next((f) => f.type === 'sdk_message', { timeoutMs: 60_000 })
    const answer = await turn(other, 'hello')
    assert.match(answer.text, /hello from the other session/)
    const { text, frames } = await flood.catch((err) => {
      console.log(
        JSON.stringify(
          hog.frames.filter((f) => f.type === 'info' || f.type === 'error'),
          null,
          1,
        ),
      )
      throw err
    })
    assert.match(text, /fork: .*Resource temporarily unavailable/)
    assert.doesNotMatch(text, /all started/)
    const notice = frames.find((f) => f.type === 'info' && /process limit \(96\)/.test(String(f['message'])))
    assert.ok(notice, `no info frame names the limit: ${JSON.stringify(frames.filter((f) => f.type === 'info'))}`)
    assert.ok(
      stack.logLines.some((l) => l.startsWith('warn ') && l.includes('"sessionId":"limited"') && /the session's process limit/.test(l)),
    )
  })

  it('kills a memory hog at the memory limit, and the session goes on', async () => {
    const from = hog.frames.length
    const { text } = await turn(hog, 'hog')
    assert.match(text, /Killed/)
    assert.match(text, /hog exit=137/)
    // The limiter polls the kernel's counters: its notice may follow the turn's end.
    const notice = await hog.next((f) => f.type === 'info' && /memory limit \(384 MiB\)/.test(String(f['message'])), {
      from,
      timeoutMs: 15_000,
    })
    assert.ok(notice)
    // The event log keeps why: a client replaying the session sees the notice.
    const events = await (await fetch(`${stack.url}/sessions/limited/events`)).text()
    assert.match(events, /memory limit \(384 MiB\)/)
    assert.match((await turn(other, 'again')).text, /hello again from the other session/)
  })

  it('removes every group it made once the server has closed', async () => {
    assert.ok(ourGroups().length > 0, 'the server made no group')
    await close()
    assert.deepEqual(ourGroups(), [])
  })
})
