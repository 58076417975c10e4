// `claude-agent … --e2b` for real, offline: the CLI (a child process, and chat/attach in a real
// pseudo-terminal) runs the real `e2b` SDK against the E2B fake, pointed at it the way the SDK's
// settings allow (E2B_API_URL, E2B_SANDBOX_URL, E2B_DOMAIN). The fake's edge serves each sandbox's
// port at `https://<port>-<id>.<domain>` with a certificate the CLI trusts (NODE_EXTRA_CA_CERTS)
// and a resolver stand-in that sends the domain to loopback; the sandbox runs our real server
// with the scripted model. The sandbox is killed on exit unless told otherwise; a sandbox id
// (`--e2b-session`) finds and reuses the sandbox; the E2B key is never printed.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { startE2BFake, type E2BFake, type FakeSandbox } from '../../client/test/e2b-fake/index.js'
import { serverTemplate } from '../../client/test/e2b-fake/template.js'
import { SESSION_METADATA_KEY } from '../../client/src/providers/e2b-session.js'
import { openTerminal, runCli, type Terminal } from './helpers/terminal.js'

const E2B_KEY = `e2b_${randomBytes(20).toString('hex')}`
const ANTHROPIC_KEY = `sk-ant-cli-e2b-${randomBytes(12).toString('hex')}`
const DOMAIN = 'e2b.test'
const FAKE_DNS = fileURLToPath(new URL('./helpers/fake-dns.mjs', import.meta.url))
const WORDS = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')

/** A self-signed certificate for `*.<domain>`, as E2B's edge has a real one for `*.e2b.app`. */
function certificate(dir: string): { key: string; cert: string; certFile: string } {
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', keyFile, '-out', certFile],
      ...['-subj', `/CN=${DOMAIN}`, '-addext', `subjectAltName=DNS:*.${DOMAIN},DNS:${DOMAIN}`],
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile }
}

describe('claude-agent --e2b against the E2B fake', () => {
  let model: Awaited<ReturnType<typeof startScriptedModel>>
  let fake: E2BFake
  let dir: string
  let env: Record<string, string>
  const terminals: Terminal[] = []
  const open = (args: string[]) => {
    const terminal = openTerminal(args, env)
    terminals.push(terminal)
    return terminal
  }
  const sandboxesOf = (id: string) => [...fake.sandboxes.values()].filter((s) => s.metadata[SESSION_METADATA_KEY] === id)
  const noKey = (text: string) => assert.ok(!text.includes(E2B_KEY) && !text.includes(ANTHROPIC_KEY), 'no key printed')

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-cli-e2b-'))
    const tls = certificate(dir)
    model = await startScriptedModel({
      scenario: {
        scripts: [
          { match: { prompt: 'one shot' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'Answered in a sandbox.' }] }] },
          {
            match: { prompt: 'chat in e2b' },
            replies: [{ content: [{ type: 'text', text: `Streaming ${WORDS} E2B-END` }], chunkSize: 6, chunkDelayMs: 40 }],
          },
          { match: { prompt: 'seen by attach' }, replies: [{ content: [{ type: 'text', text: 'Both terminals see this.' }] }] },
        ],
      },
    })
    fake = await startE2BFake({
      apiKey: E2B_KEY,
      templates: { 'claude-agent-server': await serverTemplate() },
      domain: DOMAIN,
      tls: { key: tls.key, cert: tls.cert },
    })
    env = {
      E2B_API_KEY: E2B_KEY,
      E2B_API_URL: fake.apiUrl,
      E2B_SANDBOX_URL: fake.sandboxUrl,
      E2B_DOMAIN: fake.domain,
      NODE_EXTRA_CA_CERTS: tls.certFile,
      NODE_OPTIONS: `--import=${FAKE_DNS}`,
      FAKE_DNS_DOMAIN: DOMAIN,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
      NO_COLOR: '1',
    }
  })
  after(async () => {
    for (const t of terminals) t.close()
    await fake?.close()
    await model?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('run --e2b: a sandbox for the one prompt, the answer on stdout, the sandbox killed after', async () => {
    const before = new Set(fake.sandboxes.keys())
    const { code, stdout, stderr } = await runCli(['run', '--e2b', '--debug', 'one shot'], env)
    assert.equal(code, 0, stderr)
    assert.equal(stdout, 'Answered in a sandbox.\n')
    const made = [...fake.sandboxes.values()].filter((s) => !before.has(s.id))
    assert.equal(made.length, 1, 'one sandbox')
    assert.equal(made[0]!.state, 'killed', 'killed on exit')
    assert.match(stderr, /\[e2b\] sandbox fake\w+ ready/, 'the debug output went through the provider')
    noKey(stdout + stderr)
  })

  it('chat --e2b in a terminal, attach from a second one, both with one sandbox id; then run reuses it', async () => {
    const id = `task-${randomBytes(3).toString('hex')}`
    const a = open(['chat', '--e2b', '--e2b-session', id, '--e2b-on-exit', 'keep', '--new', '--name', 'work'])
    await a.waitFor(`finding or creating the E2B sandbox "${id}"`)
    await a.waitFor('session work', 120_000)
    a.typeLine('chat in e2b')
    const partial = await a.waitFor('word5')
    assert.doesNotMatch(partial, /E2B-END/, 'text shown before the answer ended: it streamed')
    await a.waitFor(/E2B-END\s*\n> /)

    const b = open(['attach', 'work', '--e2b', '--e2b-session', id, '--e2b-on-exit', 'keep'])
    await b.waitFor('attached to session work', 120_000)
    const [sandbox, ...others] = sandboxesOf(id)
    assert.equal(others.length, 0, 'the second terminal found the first one’s sandbox')
    a.typeLine('seen by attach')
    await a.waitFor('Both terminals see this.')
    await b.waitFor('Both terminals see this.')
    b.keys('C-c')
    await b.waitFor('[exit 0]')
    a.keys('C-d')
    await a.waitFor('[exit 0]')
    assert.equal(sandbox!.state, 'running', '--e2b-on-exit keep left it running')
    noKey(a.screen() + b.screen())

    const again = await runCli(['run', '--e2b', '--e2b-session', id, 'one shot'], env)
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, 'Answered in a sandbox.\n')
    assert.deepEqual(
      sandboxesOf(id).map((s: FakeSandbox) => s.id),
      [sandbox!.id],
      'the same sandbox',
    )
    assert.equal(sandbox!.processes.length, 1, 'and the same server')
    assert.equal(sandbox!.state, 'killed', 'the default on exit: killed')
    noKey(again.stdout + again.stderr)
  })

  it('bad --e2b usage exits 2', async () => {
    for (const args of [
      ['run', '--e2b-session', 'x', 'hi'],
      ['run', '--e2b', '--e2b-on-exit', 'explode', 'hi'],
    ]) {
      const { code, stderr } = await runCli(args, env)
      assert.equal(code, 2, stderr)
    }
    const { code, stderr } = await runCli(['run', '--e2b', 'hi'], { ...env, E2B_API_KEY: '' })
    assert.equal(code, 2)
    assert.match(stderr, /--e2b needs E2B_API_KEY/)
  })
})
