// A long session in the console (Chromium, the real server and CLI): it opens on its latest
// events, drawn once, not on a replay of the whole log; earlier messages come on demand (first
// those loaded but not shown, then earlier events over HTTP), each once, with their tool
// results; and the session stays live. Waits on the DOM only.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ClaudeAgentClient } from '@claude-agent/client'
import { say, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { launch, noChromium, openPage, texts } from './browser.js'
import { seedTurns } from './helpers/long-session.js'

const TOKEN = 'tok-long-0123456789abcdef'
const TURNS = 1_000 // 5,000 events: 42 s before the latest answer showed, when all were replayed and drawn

describe('the console with a long session', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let errors: string[]
  const answers = async () => (await texts(page, '.msg-assistant .markdown')).map((t) => t.trim())

  before(async () => {
    stack = await startStack({ scripts: [say('still live?', 'live answer')] }, { authTokens: [{ label: 'alice', token: TOKEN }] })
    await new ClaudeAgentClient({ connectionUrl: stack.url, token: TOKEN }).sessions.create({ id: 'long' })
    await seedTurns(stack, 'long', TURNS)
    browser = await launch()
    ;({ page, errors } = await openPage(browser))
  })
  after(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('opens on the latest messages only', async () => {
    await page.goto(`${stack.url}/?token=${TOKEN}#/sessions/long`)
    await page.getByText(`answer ${TURNS}`, { exact: true }).waitFor()
    const shown = await answers()
    assert.ok(shown.length <= 200, `${shown.length} messages drawn`)
    assert.ok(!shown.includes('answer 1'))
    await page.getByRole('button', { name: 'Show earlier messages' }).waitFor()
  })

  it('shows earlier messages on demand, each once, with its tool result, until the first', async () => {
    const earlier = page.getByRole('button', { name: 'Show earlier messages' })
    while (await earlier.count()) await earlier.click()
    await page.getByText('answer 1', { exact: true }).waitFor()
    const shown = (await answers()).filter((t) => t.startsWith('answer '))
    assert.deepEqual(
      shown,
      Array.from({ length: TURNS }, (_, i) => `answer ${i + 1}`),
    )
    const first = page.getByRole('region', { name: 'Bash tool: ls dir-1', exact: true })
    assert.equal(await first.getByLabel('command output').textContent(), 'file-1.txt')
    assert.equal(
      await page
        .getByRole('article', { name: 'your message' })
        .filter({ hasText: /^question 1$/ })
        .count(),
      1,
    )
  })

  it('stays live: a new turn shows after the whole history', async () => {
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    await page.getByRole('textbox', { name: 'message' }).fill('still live?')
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
    await page.getByText('live answer', { exact: true }).waitFor()
    assert.equal((await answers()).at(-1), 'live answer')
    assert.deepEqual(errors, [])
  })
})
