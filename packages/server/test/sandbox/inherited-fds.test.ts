// A server started holding open descriptors that are not close-on-exec (a supervisor's pipe, a
// shell's `40</srv`) passes them to bwrap, and bwrap to everything in the sandbox: a directory
// among them is the host's, writable, whatever the mount namespace hides (/proc/self/fd/N/..
// is the host's root), a file is one the sandbox hides. Neither an agent's tool nor an exec
// command may hold one.
import assert from 'node:assert/strict'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { exec } from '../files/helpers.js'
import { spawnServer, type ServerProcess } from '../helpers/server-process.js'
import { WsProbe } from '../helpers/ws-probe.js'

/** Past the descriptors Node marks close-on-exec at start (0 up to the first gap past 15). */
const DIR_FD = 40
const FILE_FD = 41
const SECRET = 'inherited-descriptor-secret'

/** Lists the descriptors, then tries each way out through them. */
const ATTEMPT = [
  'ls /proc/self/fd | tr "\\n" " "; echo',
  `cat /proc/self/fd/${FILE_FD} 2>/dev/null`,
  `cat /proc/self/fd/${DIR_FD}/hidden/secret.txt 2>/dev/null`,
  `echo pwned > /proc/self/fd/${DIR_FD}/hidden/pwned.txt 2>/dev/null; echo "write=$?"`,
].join('; ')

describe('descriptors the server inherited', () => {
  let dir: string
  let model: Awaited<ReturnType<typeof startScriptedModel>>
  let server: ServerProcess
  const opened: number[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-fds-'))
    // Under the server's home: hidden from every sandbox.
    mkdirSync(join(dir, 'hidden'))
    writeFileSync(join(dir, 'hidden', 'secret.txt'), SECRET)
    opened.push(openSync(dir, 'r'), openSync(join(dir, 'hidden', 'secret.txt'), 'r'))
    model = await startScriptedModel({
      scenario: {
        scripts: [
          {
            match: { prompt: 'use the descriptors' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: ATTEMPT } }] },
              { content: [{ type: 'text', text: 'OUTPUT<<{{toolResult}}>>' }] },
            ],
          },
        ],
      },
    })
    const env = { HOME: dir, DATA_DIR: join(dir, 'data'), ANTHROPIC_API_KEY: 'sk-test-fds', ANTHROPIC_BASE_URL: model.url }
    server = await spawnServer(env, dir, [], {
      inherit: new Map([
        [DIR_FD, opened[0]!],
        [FILE_FD, opened[1]!],
      ]),
    })
  })
  after(async () => {
    server?.child.kill('SIGKILL')
    await server?.exited
    for (const fd of opened) closeSync(fd)
    await model?.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  const check = (out: string) => {
    // The listing's line (an agent's answer starts with OUTPUT<<).
    const fds = (/(?:^|<<)(0 1 2[\d ]*)$/m.exec(out)?.[1] ?? '').trim().split(' ')
    assert.ok(fds.includes('0'), `no descriptor list: ${out}`)
    assert.deepEqual(
      fds.filter((fd) => Number(fd) >= DIR_FD),
      [],
      `the sandbox holds the server's descriptors: ${out}`,
    )
    assert.ok(!out.includes(SECRET), `a hidden file was read through a descriptor: ${out}`)
    assert.match(out, /write=1/)
    assert.equal(existsSync(join(dir, 'hidden', 'pwned.txt')), false, 'the sandbox wrote on the host through a descriptor')
  }

  it('reach no exec command', async () => {
    const res = await exec(server.url, 'default', { command: ATTEMPT, shell: true })
    assert.equal(res.exit?.['code'], 0, res.stderr)
    check(res.stdout)
  })

  it("reach no agent's tool", async () => {
    const probe = await WsProbe.connect(`${server.wsBase}/ws`)
    try {
      check(await probe.ask('use the descriptors'))
    } finally {
      probe.close()
    }
  })
})
