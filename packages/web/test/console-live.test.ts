// The console's sessions list, live from the server's push (GET /sessions-live), in Chromium
// against the real server, SDK and CLI (scripted model): a session another client creates
// appears, its state, clients, approvals and cost change as it runs, deletions leave; the
// approvals count in the title across two sessions; creating with every field; the filter;
// notifications (opt-in, hooked in the page); a viewer's and another member's view. Waits on
// the DOM only.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ClaudeAgentClient, type PermissionDecision, type SessionConnection } from '@claude-agent/client'
import { bash, say, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { launch, noChromium, openPage } from './browser.js'

declare const document: { title: string }
declare const window: { shown: Array<{ title: string; body: string }>; hidden: boolean }

const TOKENS = {
  alice: 'tok-alice-admin-0123456789ab',
  ann: 'tok-ann-member-0123456789ab',
  bob: 'tok-bob-member-0123456789ab',
  vic: 'tok-vic-viewer-0123456789ab',
}
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
const money = (usd: number) => `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`

/** Records every notification the page shows, and lets the test say the tab is hidden. */
const NOTIFICATION_HOOK = `
  window.shown = []
  window.hidden = false
  const Real = window.Notification
  function Hooked(title, options) {
    window.shown.push({ title, body: (options && options.body) || '' })
    try { return new Real(title, options) } catch { return {} }
  }
  Object.defineProperty(Hooked, 'permission', { get: () => Real.permission })
  Hooked.requestPermission = () => Real.requestPermission()
  window.Notification = Hooked
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.hidden ? 'hidden' : 'visible') })
`

/** An approval another client holds open until the test answers it. */
function heldApproval(session: SessionConnection) {
  let answer: (d: PermissionDecision) => void = () => {}
  const asked = new Promise<void>((resolveAsked) => {
    session.onPermissionRequest(
      () =>
        new Promise<PermissionDecision>((resolve) => {
          answer = resolve
          resolveAsked()
        }),
    )
  })
  return { asked, allow: () => answer({ behavior: 'allow' }) }
}

describe('the console sessions list, live', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  const client = (who: keyof typeof TOKENS) => new ClaudeAgentClient({ connectionUrl: stack.url, token: TOKENS[who] })
  const row = (page: Page, id: string) => page.locator(`tr[data-session="${id}"]`)
  const cell = (page: Page, id: string, column: number) => row(page, id).locator('td').nth(column)
  const open = async (who: keyof typeof TOKENS, options: Parameters<typeof openPage>[2] = {}) => {
    const tab = await openPage(browser, undefined, options)
    await tab.page.goto(`${stack.url}/?token=${TOKENS[who]}`)
    await tab.page.getByRole('table', { name: 'session list' }).waitFor()
    return tab
  }

  before(async () => {
    stack = await startStack(
      {
        scripts: [
          { match: { prompt: 'ask me first' }, replies: [bash('echo hi > first.txt'), text('asked: {{toolResult}}')] },
          { match: { prompt: 'ask me second' }, replies: [bash('echo hi > second.txt'), text('asked: {{toolResult}}')] },
          { match: { prompt: 'ask me' }, repeat: true, replies: [bash('echo hi > asked.txt'), text('asked: {{toolResult}}')] },
          say('who are you', 'a made session'),
        ],
      },
      {
        authTokens: [
          { label: 'alice', role: 'admin', token: TOKENS.alice },
          { label: 'ann', role: 'member', token: TOKENS.ann },
          { label: 'bob', role: 'member', token: TOKENS.bob },
          { label: 'vic', role: 'viewer', token: TOKENS.vic },
        ],
      },
    )
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('shows what another client does, as it happens: create, run, wait, cost, delete', async () => {
    const { page, errors } = await open('alice')
    const other = client('alice')
    await other.sessions.create({ id: 'live-1' })
    await row(page, 'live-1').waitFor()
    await other.sessions.create({ id: 'live-2' })
    await row(page, 'live-2').waitFor()
    assert.equal(await cell(page, 'live-1', 3).textContent(), '0', 'no client attached yet')

    // A client each: each holds its own session's approval.
    const one = await client('alice').sessions.attach('live-1')
    const two = await client('alice').sessions.attach('live-2')
    await cell(page, 'live-1', 3).filter({ hasText: /^1$/ }).waitFor()
    const first = heldApproval(one)
    const second = heldApproval(two)
    // One after the other: the scripted model follows one conversation at a time.
    const results = [one.prompt('ask me first')]
    await first.asked
    results.push(two.prompt('ask me second'))
    await second.asked
    for (const id of ['live-1', 'live-2']) {
      await cell(page, id, 1).filter({ hasText: 'waiting_for_approval' }).waitFor()
      await cell(page, id, 5).filter({ hasText: /^1$/ }).waitFor()
    }
    // The queue across both sessions, in the title and the bar.
    await page.waitForFunction(() => document.title.startsWith('(2) '))
    await page.getByRole('status', { name: 'approvals waiting' }).filter({ hasText: '2 waiting' }).waitFor()

    first.allow()
    const [done1] = await Promise.all([results[0]!, page.waitForFunction(() => document.title.startsWith('(1) '))])
    second.allow()
    await results[1]
    await page.waitForFunction(() => !document.title.startsWith('('))
    await cell(page, 'live-1', 1).filter({ hasText: 'idle' }).waitFor()
    await cell(page, 'live-1', 6)
      .filter({ hasText: money(done1!.total_cost_usd ?? 0) })
      .waitFor()
    assert.match((await cell(page, 'live-1', 4).textContent()) ?? '', /\d.*#\d+/, 'when and which event came last')
    await one.close()
    await cell(page, 'live-1', 3).filter({ hasText: /^0$/ }).waitFor()

    // Deleted here (after the confirmation), and by the other client: both rows leave.
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'delete session live-1' }).click()
    await row(page, 'live-1').waitFor({ state: 'detached' })
    await two.close()
    await other.sessions.delete('live-2')
    await row(page, 'live-2').waitFor({ state: 'detached' })
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('creates a session with its model, permission mode, directory and system prompt; filters the list', async () => {
    const { page, errors } = await open('alice')
    await page.getByLabel('Id').fill('made-here')
    await page.getByLabel('Model').fill('claude-made-model')
    await page.getByLabel('Permission mode').selectOption('acceptEdits')
    await page.getByLabel('Working directory').fill('sub/dir')
    await page.getByLabel('System prompt').fill('You are the made session.')
    await page.getByRole('button', { name: 'Create session' }).click()
    await page.getByRole('main', { name: 'session made-here' }).waitFor()
    const info = stack.server.sessions.get('made-here').info()
    assert.equal(info.config.model, 'claude-made-model')
    assert.equal(info.config.permissionMode, 'acceptEdits')
    assert.equal(info.config.systemPrompt, 'You are the made session.')
    assert.match(stack.server.sessions.get('made-here').cwd, /\/sub\/dir$/)
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    await page.getByRole('textbox', { name: 'message' }).fill('who are you')
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
    await page.getByRole('article', { name: 'assistant message' }).filter({ hasText: 'a made session' }).waitFor()
    const turn = stack.model.requests.filter((r) => JSON.stringify(r.body).includes('who are you')).at(-1)
    assert.equal((turn?.body as { model?: string }).model, 'claude-made-model', 'the model asked is the one chosen')
    assert.ok(JSON.stringify(turn?.body).includes('You are the made session.'), 'the system prompt reached the model')

    await page.getByRole('link', { name: 'back to sessions' }).click()
    await client('alice').sessions.create({ id: 'other-one' })
    await row(page, 'other-one').waitFor()
    await page.getByRole('searchbox', { name: 'filter sessions' }).fill('made')
    await row(page, 'other-one').waitFor({ state: 'detached' })
    assert.equal(await row(page, 'made-here').count(), 1)
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('notifies, once asked to, of an approval waiting and of a turn ending while the tab is hidden', async () => {
    const { page, errors } = await open('alice', {
      context: { permissions: ['notifications'] },
      initScript: NOTIFICATION_HOOK,
    })
    await page.getByRole('button', { name: 'Notify me' }).click()
    await page.getByRole('button', { name: 'Notifications on' }).waitFor()
    const other = client('alice')
    await other.sessions.create({ id: 'notify-1' })
    await page.goto(`${stack.url}/#/sessions/notify-1`)
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    await page.evaluate(() => (window.hidden = true))
    const session = await other.sessions.attach('notify-1')
    const held = heldApproval(session)
    const result = session.prompt('ask me')
    await held.asked
    await page.waitForFunction(() => window.shown.some((n) => n.title === 'Approval needed in notify-1' && n.body === 'Bash'))
    held.allow()
    await result
    await page.waitForFunction(() => window.shown.some((n) => n.title === 'Turn ended in notify-1'))
    await session.close()
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('gives a viewer the shared sessions to watch, with send, approve, create and delete disabled', async () => {
    const ann = client('ann')
    await ann.sessions.create({ id: 'anns' })
    const shared = await fetch(`${stack.url}/sessions/anns/readers/vic`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKENS.ann}` },
    })
    assert.equal(shared.status, 200)
    const session = await ann.sessions.attach('anns')
    const held = heldApproval(session)
    const result = session.prompt('ask me')
    await held.asked

    const { page, errors } = await open('vic')
    await row(page, 'anns').waitFor()
    assert.equal(await row(page, 'made-here').count(), 0, "an admin's session is not shared with vic")
    assert.equal(await page.getByRole('button', { name: 'delete session anns' }).isDisabled(), true)
    assert.equal(await page.getByRole('button', { name: 'Create session' }).count(), 0)
    await page.getByRole('note').filter({ hasText: 'viewer' }).waitFor()
    await page.getByRole('link', { name: 'anns' }).click()
    await page.getByRole('note').filter({ hasText: 'Read only' }).waitFor()
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()
    for (const name of ['Allow', 'Allow for session', 'Deny'])
      assert.equal(await approval.getByRole('button', { name, exact: true }).isDisabled(), true, `${name} is disabled`)
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true)
    const message = page.getByRole('textbox', { name: 'message', exact: true })
    await message.fill('let me in')
    await message.press('Enter')
    assert.equal(await message.inputValue(), 'let me in', 'nothing was sent')
    held.allow()
    await result
    await approval.waitFor({ state: 'detached' })
    await session.close()
    assert.deepEqual(errors, [])
    await page.close()
  })

  it("does not show a member another member's session, in the list or by its address", async () => {
    await client('ann').sessions.create({ id: 'anns-own' })
    await client('bob').sessions.create({ id: 'bobs' })
    const { page, errors } = await open('bob')
    await row(page, 'bobs').waitFor()
    assert.equal(await row(page, 'anns-own').count(), 0)
    await page.goto(`${stack.url}/#/sessions/anns-own`)
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor()
    assert.equal(await page.getByRole('article').count(), 0, 'nothing of it is shown')
    assert.deepEqual(errors, [])
    await page.close()
  })
})
