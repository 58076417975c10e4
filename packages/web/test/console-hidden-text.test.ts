// What an approval shows is what it allows, in Chromium against the real server, SDK and CLI
// (scripted model): a command holding a bidi override (U+202E draws what follows backwards),
// an isolate, zero-width characters and a tag character is shown with each of them as a visible
// escape, in the approval's input, its edit box and the Bash card; allowing it runs the command
// as the model sent it, character for character.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { bash, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { launch, noChromium, openPage } from './browser.js'

const TOKEN = 'tok-hidden-0123456789abcdef'
const ID = 'hidden'
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
// Shown raw, the part after U+202E reads "rm -rf ~" backwards, i.e. as a harmless comment's
// text turned around; the zero-width space, the isolate and the tag character show nothing.
const COMMAND = 'printf "%s" "a\u200bb\u2066c\u{E0041}d" > hidden.txt # \u202e~ fr- mr'
const HIDDEN = /[\u200b\u202e\u2066]|\u{E0041}/u

describe('the console shows the characters a text hides', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let errors: string[]

  before(async () => {
    stack = await startStack(
      { scripts: [{ match: { prompt: 'run the hidden one' }, replies: [bash(COMMAND), text('ran: {{toolResult}}')] }] },
      { authTokens: [{ label: 'alice', token: TOKEN }] },
    )
    browser = await launch()
    ;({ page, errors } = await openPage(browser))
    await page.goto(`${stack.url}/?token=${TOKEN}`)
    await page.getByLabel('Id').fill(ID)
    await page.getByRole('button', { name: 'Create session' }).click()
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
  })
  after(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('shows bidi controls and invisible characters as escapes, and runs the command as sent', async () => {
    await page.getByRole('textbox', { name: 'message' }).fill('run the hidden one')
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()

    const shown = (await approval.getByLabel('requested input').textContent()) ?? ''
    assert.doesNotMatch(shown, HIDDEN)
    for (const escape of ['\\u200b', '\\u2066', '\\udb40\\udc41', '\\u202e']) assert.ok(shown.includes(escape), `${escape} in ${shown}`)
    // The escapes are JSON's own: the input read back is the command the model sent.
    assert.equal((JSON.parse(shown) as { command: string }).command, COMMAND)

    await approval.getByText('Edit input').click()
    const edit = await approval.getByRole('textbox', { name: 'tool input (JSON)' }).inputValue()
    assert.doesNotMatch(edit, HIDDEN)
    assert.equal((JSON.parse(edit) as { command: string }).command, COMMAND)

    const card = page.locator('section[data-tool="Bash"]').last()
    const command = (await card.getByLabel('command', { exact: true }).textContent()) ?? ''
    assert.doesNotMatch(command, HIDDEN)
    assert.match(command, /U\+202E/)
    assert.doesNotMatch((await card.locator('header').textContent()) ?? '', HIDDEN)

    await approval.getByRole('button', { name: 'Allow', exact: true }).click()
    await page.getByRole('article', { name: 'assistant message' }).last().filter({ hasText: 'ran:' }).waitFor()
    assert.equal(readFileSync(join(stack.server.sessions.get(ID).workspace.root, 'hidden.txt'), 'utf8'), 'a\u200bb\u2066c\u{E0041}d')
    assert.deepEqual(errors, [])
  })
})
