// The web console in Chromium against the real server, SDK and CLI (scripted model): the token
// page; creating a session; a streamed answer; a Write card with its diff and the file appearing
// in the live tree; one approval allowed and one denied, each changing what the agent does; an
// interrupt mid-stream; untrusted output that cannot inject markup; the server restarted while
// the page is open, the page recovering with no duplicate message. Waits on the DOM only.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ClaudeAgentClient } from '@claude-agent/client'
import { spawnServer, type ServerProcess } from '../../client/test/e2e/helpers/server-process.js'
import { TEST_API_KEY, slowly, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { launch, noChromium, openPage, texts } from './browser.js'

// What the functions run in the page see (this file is type-checked without the DOM library).
declare const document: {
  title: string
  body: { dataset: Record<string, string | undefined> }
  querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>
}

const TOKEN = 'tok-console-0123456789abcdef'
const STREAMED = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau omega'
const LONG = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ')
const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

describe('the web console', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let errors: string[]
  /** The session the page drives works in a directory of its own. */
  const workspace = () => stack.server.sessions.get('web-1').workspace.root
  const lastAssistant = () => page.getByRole('article', { name: 'assistant message' }).last()
  const summaries = () => page.getByRole('status', { name: 'turn summary' })
  const send = async (prompt: string) => {
    await page.getByRole('textbox', { name: 'message' }).fill(prompt)
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
  }
  const waitSummaries = (n: number) =>
    page.waitForFunction((n) => document.querySelectorAll('.turn-summary').length >= n, n, { timeout: 60_000 })

  before(async () => {
    stack = await startStack(
      {
        scripts: [
          slowly('stream please', STREAMED, 60),
          slowly('tell me a long story', LONG, 60),
          {
            match: { prompt: 'write it' },
            replies: [
              () => ({
                content: [
                  { type: 'tool_use', name: 'Write', input: { file_path: join(workspace(), 'hello.md'), content: 'line one\nline two' } },
                ],
              }),
              text('written'),
            ],
          },
          { match: { prompt: 'allow me' }, replies: [bash('echo yes > allowed.txt'), text('ran: {{toolResult}}')] },
          { match: { prompt: 'deny me' }, replies: [bash('echo no > denied.txt'), text('not run')] },
          {
            match: { prompt: 'be nasty' },
            replies: [
              text(
                'Look <img src=x onerror="document.body.dataset.xss=1"> [click](javascript:document.body.dataset.xss=2) <script>document.body.dataset.xss=3</script> <a class="primary allow" href="https://example.test/">Allow</a> **bold**',
              ),
            ],
          },
          { match: { prompt: 'after the restart' }, replies: [text('back again')] },
          { match: { prompt: 'before the crash' }, replies: [text('first life')] },
          { match: { prompt: 'after the crash' }, replies: [text('second life')] },
        ],
      },
      { authTokens: [{ label: 'alice', token: TOKEN }] },
    )
    browser = await launch()
    ;({ page, errors } = await openPage(browser))
  })
  after(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('asks for a token, refuses a wrong one, takes ?token= once and drops it from the address', async () => {
    await page.goto(stack.url)
    await page.getByLabel('Access token').fill('wrong')
    await page.getByRole('button', { name: 'Open' }).click()
    await page.getByRole('alert').filter({ hasText: 'UNAUTHORIZED' }).waitFor()
    // A token no request can carry (a line break inside) asks again, naming why, never hangs.
    await page.goto(`${stack.url}/?token=${encodeURIComponent(`not\n${TOKEN}`)}`)
    await page.getByRole('alert').filter({ hasText: 'INVALID_ARGUMENT' }).waitFor()
    assert.ok(!((await page.getByRole('alert').textContent()) ?? '').includes(TOKEN))
    // Copied with a space and a line break around it: those are not part of the token.
    await page.goto(`${stack.url}/?token=${encodeURIComponent(` ${TOKEN}\n`)}`)
    await page.getByRole('table', { name: 'session list' }).waitFor()
    assert.equal(page.url(), `${stack.url}/`)
    assert.ok(!page.url().includes(TOKEN))
    // Kept for the tab: a reload needs no token.
    await page.reload()
    await page.getByRole('table', { name: 'session list' }).waitFor()
  })

  it('creates a session and streams the answer token by token', async () => {
    await page.getByLabel('Id').fill('web-1')
    await page.getByRole('button', { name: 'Create session' }).click()
    await page.getByRole('main', { name: 'session web-1' }).waitFor()
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    await send('stream please')
    await page.getByRole('article', { name: 'your message' }).filter({ hasText: 'stream please' }).waitFor()
    // Part of the answer is on the page before the rest of it.
    await page.waitForFunction(
      () => {
        const shown = Array.from(document.querySelectorAll('.msg-assistant'))
          .map((n) => n.textContent ?? '')
          .join(' ')
        return shown.includes('alpha') && !shown.includes('omega')
      },
      undefined,
      { timeout: 60_000 },
    )
    await lastAssistant().filter({ hasText: 'omega' }).waitFor()
    await waitSummaries(1)
    assert.match((await summaries().last().textContent()) ?? '', /done · .* tokens/)
  })

  it('interrupts mid-stream with Esc', async () => {
    await send('tell me a long story')
    await lastAssistant().filter({ hasText: 'word3' }).waitFor()
    await page.keyboard.press('Escape')
    await waitSummaries(2)
    assert.match((await summaries().last().textContent()) ?? '', /ended/)
    assert.ok(!((await lastAssistant().textContent()) ?? '').includes('word119'), 'the answer was cut')
  })

  it('renders untrusted markdown without live markup', async () => {
    await send('be nasty')
    await lastAssistant().filter({ hasText: 'bold' }).waitFor()
    const injected = await page.evaluate(() => ({
      handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
      scripts: document.querySelectorAll('.markdown script').length,
      jsLinks: document.querySelectorAll('a[href^="javascript"]').length,
      flag: document.body.dataset['xss'],
      bold: document.querySelectorAll('.markdown strong').length,
      // Markup of the agent's own never wears the console's classes.
      classed: document.querySelectorAll('.markdown [class]:not([class^="hljs"]):not([class^="language-"])').length,
    }))
    assert.deepEqual(injected, { handlers: 0, scripts: 0, jsLinks: 0, flag: undefined, bold: 1, classed: 0 })
  })

  it('shows a Write card with its diff, and the file appears in the live tree', async () => {
    const path = join(workspace(), 'hello.md')
    writeFileSync(join(workspace(), '<img src=x onerror=alert(1)>.txt'), 'odd name')
    await page.getByRole('button', { name: 'Files' }).click()
    await page.getByRole('tree', { name: 'workspace files' }).waitFor()
    await page.getByRole('button', { name: 'file <img src=x onerror=alert(1)>.txt' }).waitFor()
    assert.equal(await page.locator('.files img').count(), 0, 'a file name is text')
    assert.equal(existsSync(path), false)
    // Another client asks; the page sees the file arrive over the watch socket.
    const other = new ClaudeAgentClient({ connectionUrl: stack.url, token: TOKEN })
    const session = await other.sessions.attach('web-1')
    session.onPermissionRequest(() => 'allow')
    const result = await session.prompt('write it')
    assert.equal(result.is_error, false)
    await session.close()
    await page.getByRole('button', { name: 'file hello.md' }).click()
    await page.getByLabel('contents of hello.md').filter({ hasText: 'line two' }).waitFor()
    await page.getByRole('button', { name: 'Conversation' }).click()
    const card = page.getByRole('region', { name: /Write tool/ })
    await card.getByLabel(/diff of/).waitFor()
    assert.deepEqual(await texts(page, '.tool-card[data-tool="Write"] .diff-add'), ['+ line one', '+ line two'])
  })

  it('allows one tool call and denies another, each changing what the agent does', async () => {
    await send('allow me')
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()
    await page.waitForFunction(() => document.title.startsWith('(1)'))
    await approval.getByRole('button', { name: 'Allow', exact: true }).click()
    await lastAssistant().filter({ hasText: 'ran:' }).waitFor()
    assert.ok(existsSync(join(workspace(), 'allowed.txt')), 'the allowed command ran')
    await page.waitForFunction(() => !document.title.startsWith('('))

    await send('deny me')
    await approval.waitFor()
    await approval.getByLabel('deny message').fill('Not on this machine')
    await approval.getByRole('button', { name: 'Deny' }).click()
    await lastAssistant().filter({ hasText: 'not run' }).waitFor()
    assert.equal(existsSync(join(workspace(), 'denied.txt')), false, 'the denied command did not run')
    const lastTurn = stack.model.requests.filter((r) => r.kind === 'turn' || r.kind === 'fallback').at(-1)
    assert.ok(JSON.stringify(lastTurn?.body).includes('Not on this machine'), 'the model read the message')
    const cards = await texts(page, '.tool-card[data-tool="Bash"] .tool-state')
    assert.deepEqual(cards.slice(-2), ['✓', '✗'])
  })

  it('recovers after the server restarts, with no duplicate message', async () => {
    const before = await texts(page, '.msg, .turn-summary')
    await stack.restart()
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    await send('after the restart')
    await lastAssistant().filter({ hasText: 'back again' }).waitFor()
    await waitSummaries(before.filter((t) => t.startsWith('done') || t.startsWith('ended')).length + 1)
    const after = await texts(page, '.msg, .turn-summary')
    assert.deepEqual(after.slice(0, before.length), before, 'the same conversation, once')
    assert.equal(after.filter((t) => t === 'after the restart').length, 1)
    assert.equal(after.filter((t) => t.includes('back again')).length, 1)
    assert.deepEqual(errors, [])
  })

  it('recovers after the server is killed (SIGKILL) and started again on the same data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-console-crash-'))
    const env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      AUTH_TOKEN: TOKEN,
      ANTHROPIC_BASE_URL: stack.model.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
    }
    const servers: ServerProcess[] = []
    const tab = await openPage(browser)
    try {
      const first = await spawnServer({ ...env, PORT: '0' }, dir)
      servers.push(first)
      await new ClaudeAgentClient({ connectionUrl: first.url, token: TOKEN }).sessions.create({ id: 'crash' })
      await tab.page.goto(`${first.url}/?token=${TOKEN}#/sessions/crash`)
      await tab.page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
      await tab.page.getByRole('textbox', { name: 'message' }).fill('before the crash')
      await tab.page.getByRole('textbox', { name: 'message' }).press('Enter')
      await tab.page.getByRole('article', { name: 'assistant message' }).filter({ hasText: 'first life' }).waitFor()
      await tab.page.waitForFunction(() => document.querySelectorAll('.turn-summary').length === 1)
      const before = await texts(tab.page, '.msg, .turn-summary')
      first.child.kill('SIGKILL')
      assert.equal(await first.exited, 'SIGKILL')
      await tab.page.getByRole('status', { name: 'connection' }).filter({ hasText: 'reconnecting' }).waitFor()
      servers.push(await spawnServer({ ...env, PORT: String(first.port) }, dir))
      await tab.page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
      await tab.page.getByRole('textbox', { name: 'message' }).fill('after the crash')
      await tab.page.getByRole('textbox', { name: 'message' }).press('Enter')
      await tab.page.getByRole('article', { name: 'assistant message' }).filter({ hasText: 'second life' }).waitFor()
      await tab.page.waitForFunction(() => document.querySelectorAll('.turn-summary').length === 2)
      const after = await texts(tab.page, '.msg, .turn-summary')
      assert.deepEqual(after.slice(0, before.length), before, 'the same conversation, once')
      assert.deepEqual(
        after.filter((t) => t.includes('life') || t.includes('crash')).map((t) => t.trim()),
        ['before the crash', 'first life', 'after the crash', 'second life'],
      )
      assert.deepEqual(tab.errors, [])
    } finally {
      await tab.page.close()
      for (const server of servers) server.child.kill('SIGKILL')
      await Promise.all(servers.map((s) => s.exited))
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    }
  })
})
