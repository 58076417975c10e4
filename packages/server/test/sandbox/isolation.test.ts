// The real CLI in the bubblewrap sandbox, told by the scripted model to do what a hostile or
// confused agent would: read a secret in the host's home, write outside its workspace, dump
// its environment and every file it can see for the key, and reach a host service on loopback.
// Each fails; the model API (behind a gate that demands the real key) keeps working.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exec } from '../files/helpers.js'
import { startKeyGate, type KeyGate } from '../helpers/key-gate.js'
import { TEST_API_KEY, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..')
const tag = randomBytes(6).toString('hex')
const SECRET_FILE = join(homedir(), `.cas-sandbox-secret-${tag}.txt`)
const SECRET_TEXT = `host-secret-${tag}`
/** Matches the key without containing it, so the command text (kept in transcripts) is no hit. */
const KEY_PATTERN = `${TEST_API_KEY.slice(0, 5)}[${TEST_API_KEY[5]}]${TEST_API_KEY.slice(6)}`

/** A script: the model asks for one Bash command, then answers with its output. */
const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

describe('the bubblewrap sandbox, end to end', () => {
  let stack: Stack
  let gate: KeyGate
  let probe: WsProbe
  let hostService: Server
  let hostHits = 0
  let servicePort = 0
  let outside: Record<string, string>

  /** Sends a prompt and returns the text of the turn's result (the tool's output). */
  const ask = (prompt: string): Promise<string> => probe.ask(prompt)

  before(async () => {
    writeFileSync(SECRET_FILE, SECRET_TEXT)
    hostService = createServer((_req, res) => {
      hostHits++
      res.end('host service reached')
    })
    await new Promise<void>((r) => hostService.listen(0, '127.0.0.1', r))
    servicePort = (hostService.address() as AddressInfo).port

    let modelUrl = ''
    gate = await startKeyGate(() => modelUrl, TEST_API_KEY)
    const gatePort = new URL(gate.url).port
    // The paths are only known once the stack made its temp dir; scripts read them lazily.
    const paths = { data: '' }
    outside = {
      etc: `/etc/cas-pwned-${tag}`,
      repo: join(REPO_ROOT, `cas-pwned-${tag}.txt`),
      home: join(homedir(), `cas-pwned-${tag}.txt`),
    }
    const writes = (data: string) =>
      [
        `echo pwned > ${data}/pwned-${tag}.txt; echo "data=$?"`,
        `echo pwned > ${outside['etc']}; echo "etc=$?"`,
        `echo pwned > ${outside['repo']}; echo "repo=$?"`,
        `echo pwned > ${outside['home']}; echo "home=$?"`,
      ].join('; ')
    stack = await startStack({
      scenario: {
        scripts: [
          runBash('read the secret', `cat ${SECRET_FILE} 2>&1; ls -A ${homedir()} 2>&1; true`),
          {
            match: { prompt: 'write outside' },
            replies: [
              () => ({ content: [{ type: 'tool_use', name: 'Bash', input: { command: `${writes(paths.data)} 2>&1; true` } }] }),
              { content: [{ type: 'text', text: 'OUTPUT<<{{toolResult}}>>' }] },
            ],
          },
          {
            match: { prompt: 'look in the data dir' },
            replies: [
              () => ({ content: [{ type: 'tool_use', name: 'Bash', input: { command: `ls -AR ${paths.data} 2>&1; true` } }] }),
              { content: [{ type: 'text', text: 'OUTPUT<<{{toolResult}}>>' }] },
            ],
          },
          runBash(
            'print the environment',
            'env; echo ---; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done 2>/dev/null; true',
          ),
          runBash(
            'search for the key',
            // A canary made from two halves proves the search finds the key where it is.
            `printf '%s%s' '${TEST_API_KEY.slice(0, 8)}' '${TEST_API_KEY.slice(8)}' > canary.txt; ` +
              `grep -rIl -s "${KEY_PATTERN}" /root /home /tmp /run /etc "$HOME" "$CLAUDE_CONFIG_DIR" "$PWD"; true`,
          ),
          runBash(
            'reach the host service',
            [
              `(echo hi > /dev/tcp/127.0.0.1/${servicePort}) 2>&1; echo "direct=$?"`,
              // Through the egress proxy, as curl with HTTPS_PROXY would.
              `exec 3<>/dev/tcp/127.0.0.1/\${HTTPS_PROXY##*:}`,
              `printf 'CONNECT 127.0.0.1:${servicePort} HTTP/1.1\\r\\nHost: 127.0.0.1:${servicePort}\\r\\n\\r\\n' >&3`,
              `timeout 10 cat <&3; exec 3<&-; true`,
            ].join('; '),
          ),
          runBash(
            'who holds the model port',
            // The listening sockets on the model port (7480 = 0x1D38) and, as a control, the
            // proxy port the launcher relays (7481 = 0x1D39), and how many processes in the
            // sandbox have each open: the model's none, when the server took it over.
            [
              `listener() { awk -v port=":$1$" '$2 ~ port && $4 == "0A" { print $10 }' /proc/net/tcp; }`,
              'holders() { ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c "socket:\\[$1\\]"; }',
              'model=$(listener 1D38); proxy=$(listener 1D39)',
              'echo "listener=${model:-none} holders=$(holders "$model") proxyHolders=$(holders "$proxy")"',
              'echo "channel=${NODE_CHANNEL_FD:-none}"',
            ].join('; '),
          ),
          runBash(
            'reach the model API past the gateway',
            [
              `(echo > /dev/tcp/127.0.0.1/${gatePort}) 2>/dev/null; echo "direct=$?"`,
              `exec 3<>/dev/tcp/127.0.0.1/\${HTTPS_PROXY##*:}`,
              `printf 'CONNECT 127.0.0.1:${gatePort} HTTP/1.1\\r\\nHost: 127.0.0.1:${gatePort}\\r\\n\\r\\n' >&3`,
              `timeout 10 head -n 1 <&3; exec 3<&-; true`,
            ].join('; '),
          ),
        ],
      },
      agentVars: (url) => {
        modelUrl = url
        return { ANTHROPIC_BASE_URL: gate.url, ANTHROPIC_API_KEY: TEST_API_KEY, CLAUDE_CODE_MAX_RETRIES: '0' }
      },
    })
    paths.data = join(stack.dir, 'data')
    probe = await WsProbe.connect(stack.wsUrl)
  })

  after(async () => {
    probe?.close()
    await stack?.close()
    await gate?.close()
    hostService?.close()
    rmSync(SECRET_FILE, { force: true })
    for (const path of Object.values(outside ?? {})) rmSync(path, { force: true })
  })

  it('hides the host home: a secret file there cannot be read', async () => {
    const out = await ask('read the secret')
    assert.ok(!out.includes(SECRET_TEXT), out)
    assert.match(out, /No such file or directory/)
  })

  it('keeps writes outside the workspace from reaching the host', async () => {
    const out = await ask('write outside')
    assert.match(out, /etc=1/, 'the root file system is read-only')
    assert.match(out, /repo=1/, 'the repository is read-only')
    assert.match(out, /Read-only file system/)
    for (const path of [...Object.values(outside), join(stack.dir, 'data', `pwned-${tag}.txt`)]) {
      assert.equal(existsSync(path), false, `${path} was written on the host`)
    }
  })

  it("shows only the session's own state in the data directory", async () => {
    const out = await ask('look in the data dir')
    assert.ok(!out.includes('sessions.db'), `the event log is visible: ${out}`)
    assert.match(out, /default/, 'the session sees its own state directory')
  })

  it("gives the agent a placeholder, never the key: not in its environment, nor any process's", async () => {
    const out = await ask('print the environment')
    assert.match(out, /ANTHROPIC_API_KEY=sandbox-placeholder/)
    assert.match(out, /HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+/)
    assert.ok(!out.includes(TEST_API_KEY), 'the real key is visible inside the sandbox')
  })

  it('leaves no copy of the key in any file the agent can read where one could be', async () => {
    const out = await ask('search for the key')
    const hits = new Set(
      out
        .replace(/^OUTPUT<<|>>$/g, '')
        .split('\n')
        .filter(Boolean),
    )
    assert.deepEqual([...hits], [join(stack.workspace, 'canary.txt')], 'the key was found outside the canary')
  })

  it('refuses a host service on loopback, directly and through the proxy', async () => {
    const out = await ask('reach the host service')
    assert.match(out, /direct=1/, 'the sandbox has its own loopback')
    assert.match(out, /403 Forbidden/)
    assert.match(out, /Blocked by the claude-agent-server sandbox/)
    assert.equal(hostHits, 0, 'the host service was reached')
  })

  it('hands the model port to the server: no process inside holds its listener, no channel is left', async () => {
    const out = await ask('who holds the model port')
    assert.match(out, /listener=\d+/, out)
    assert.match(out, / holders=0\b/, out)
    assert.match(out, /proxyHolders=1\b/, out)
    assert.match(out, /channel=none/, out)
  })

  // Only the gateway reaches the model: a tool talking to it directly would pass the budgets
  // and the metering (and, with a keyless upstream such as a local model server, use it free).
  it("refuses a tool's connection to the model API, directly and through the proxy", async () => {
    const out = await ask('reach the model API past the gateway')
    assert.match(out, /direct=1/, 'the model API is not mirrored into the sandbox')
    assert.match(out, /403 Forbidden/)
  })

  it('runs commands from the exec API in the same sandbox', async () => {
    const command = [
      `cat ${SECRET_FILE}; echo "read=$?"`,
      `echo pwned > ${outside['etc']}; echo "etc=$?"`,
      `(echo hi > /dev/tcp/127.0.0.1/${servicePort}); echo "tcp=$?"`,
      `(echo hi > /dev/tcp/127.0.0.1/${new URL(gate.url).port}); echo "model=$?"`,
      'env',
    ].join('; ')
    const run = await exec(stack.url, 'default', { command: `{ ${command}; } 2>&1`, shell: true })
    assert.equal(run.exit?.['code'], 0, JSON.stringify(run))
    assert.match(run.stdout, /read=1/)
    assert.match(run.stdout, /etc=1/)
    assert.match(run.stdout, /tcp=1/)
    assert.match(run.stdout, /model=1/)
    assert.ok(!run.stdout.includes(SECRET_TEXT) && !run.stdout.includes(TEST_API_KEY))
    assert.equal(existsSync(outside['etc']!), false)
    assert.equal(hostHits, 0)
  })

  it('reaches the model API with the real key, added outside the sandbox', () => {
    assert.ok(gate.verdicts.length >= 14, `the model saw ${gate.verdicts.length} requests`)
    assert.ok(gate.verdicts.every(Boolean), 'a request reached the model without the real key')
    assert.ok(!gate.bodies.some((b) => b.includes(TEST_API_KEY)), 'the agent sent the key to the model')
    assert.deepEqual(stack.model.failures, [])
    assert.ok(
      stack.logLines.some((l) => /sandbox refused a connection to 127\.0\.0\.1:\d+/.test(l)),
      'the refusal is logged',
    )
  })
})
