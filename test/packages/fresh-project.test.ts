// A fresh project outside the monorepo installs the packed tarballs (offline, from the npm cache)
// and runs the original README's client example against a real server with the scripted model:
// type-checked against the installed declarations (skipLibCheck off, no `ws` or `e2b` types
// needed), run in Node, then bundled with esbuild for the browser and run in Chromium, from a
// page on the server's origin. The API key passed to the client never shows in the output.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import { TEST_API_KEY, say, startStack, type Stack } from '../../packages/client/test/e2e/helpers/stack.js'
import { freshProject } from './fresh-project.js'
import { REPO_ROOT, packWorkspaces } from './pack.js'
import { serveSameOrigin } from './same-origin.js'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const REPLY = 'Hello from the scripted model, via a packed client'
const EXAMPLE = new URL('./example.ts', import.meta.url)

const packed = packWorkspaces()
let project: string
let stack: Stack
before(async () => {
  const { packages } = packed
  project = freshProject({ tarballs: [packages.get('@claude-agent/protocol')!, packages.get('@claude-agent/client')!] })
  copyFileSync(EXAMPLE, join(project, 'example.ts'))
  stack = await startStack({ scripts: [{ ...say('Hello, Claude!', REPLY), repeat: true }] })
})
after(async () => {
  await stack?.close()
  rmSync(packed.root, { recursive: true, force: true })
  if (project) rmSync(project, { recursive: true, force: true })
})

describe('the packed client in a fresh project', () => {
  it('type-checks the original example against the installed declarations', () => {
    const tsconfig = {
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        skipLibCheck: false, // our declarations are checked too, as a strict consumer would
        outDir: 'out',
        types: ['node'],
        typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
      },
      files: ['example.ts'],
    }
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig))
    const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      encoding: 'utf8',
    })
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr)
  })

  it('runs the example in Node', async () => {
    // Not spawnSync: the server runs in this process and must keep answering.
    const run = await runNode(join(project, 'out', 'example.js'), project, { SERVER_URL: stack.url, ANTHROPIC_API_KEY: TEST_API_KEY })
    const output = run.stdout + run.stderr
    assert.equal(run.status, 0, output)
    assert.match(run.stdout, /Claude: \{[\s\S]*type: 'result'/)
    assert.ok(run.stdout.includes(REPLY), output)
    assert.match(run.stdout, /example finished\n$/)
    assert.match(run.stderr, /\[claude-agent\]/, 'debug: true logs')
    assert.ok(!output.includes(TEST_API_KEY), 'the API key never shows in the output')
  })

  it(
    'runs the example bundled for the browser in Chromium',
    { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (apt-get install chromium)` },
    async () => {
      const bundled = await build({
        entryPoints: [join(project, 'example.ts')],
        absWorkingDir: project,
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        write: false,
        metafile: true,
        logLevel: 'silent',
        // The page is on the server's origin, so the server is where the page came from.
        define: { 'process.env.SERVER_URL': 'location.origin', 'process.env.ANTHROPIC_API_KEY': JSON.stringify(TEST_API_KEY) },
      })
      const inputs = Object.keys(bundled.metafile.inputs)
      assert.ok(
        inputs.some((i) => i.includes('node_modules/@claude-agent/client/dist/transport/load-ws.browser.js')),
        'the browser build',
      )
      assert.deepEqual(
        inputs.filter((i) => /node_modules\/(ws|e2b)\//.test(i)),
        [],
      )
      const page = `<!doctype html><meta charset="utf-8"><title>example</title>
      <script>
        window.exampleLog = []
        for (const level of ['log', 'error']) {
          const original = console[level]
          console[level] = (...args) => { window.exampleLog.push(args.map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(' ')); original(...args) }
        }
        window.addEventListener('error', (event) => window.exampleLog.push('uncaught: ' + event.message))
      </script>
      <script type="module" src="/example.js"></script>`
      const site = await serveSameOrigin(
        { '/': { type: 'text/html', body: page }, '/example.js': { type: 'text/javascript', body: bundled.outputFiles[0]!.text } },
        stack.server.port,
      )
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] })
      try {
        const tab = await browser.newPage()
        const failures: string[] = []
        tab.on('pageerror', (error) => failures.push(error.message))
        await tab.goto(site.url)
        await tab.waitForFunction(
          () =>
            (globalThis as unknown as { exampleLog: string[] }).exampleLog.some(
              (l) => l === 'example finished' || l.startsWith('uncaught'),
            ),
          undefined,
          { timeout: 120_000 },
        )
        const log = await tab.evaluate(() => (globalThis as unknown as { exampleLog: string[] }).exampleLog)
        const text = log.join('\n')
        assert.deepEqual(failures, [], text)
        assert.ok(
          log.some((l) => l.startsWith('Claude:') && l.includes('"type":"result"') && l.includes(REPLY)),
          text,
        )
        assert.equal(log.at(-1), 'example finished', text)
        assert.ok(
          log.some((l) => l.includes('[claude-agent]')),
          'debug: true logs in the browser too',
        )
        assert.ok(!text.includes(TEST_API_KEY), 'the API key never shows in the log')
      } finally {
        await browser.close()
        await site.close()
      }
    },
  )
})

/** Runs a Node script to its end, without blocking this process's event loop. */
function runNode(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })))
}
