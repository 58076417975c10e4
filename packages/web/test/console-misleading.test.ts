// What the agent writes cannot pass for something else, in Chromium against the real server, SDK
// and CLI (scripted model): a command holding a bidi override (U+202E draws what follows
// backwards), an isolate, zero-width characters and a tag character is shown with each of them
// as a visible escape, in the approval's input, its edit box and the Bash card, and allowing it
// runs the command as the model sent it; a file name with U+202E shows it too; markdown cannot
// take on the console's own roles, labels or ids (a group named like an approval).
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
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
// Markup a sanitizer lets through by default: a group named like an approval, a link with the
// role of a button, an id the console's own root has.
const IMPOSTOR = '<div role="group" aria-label="approval for Bash" id="app"><a role="button" aria-label="Allow" id="x">Allow</a></div>'
const HIDDEN = /[\u200b\u202e\u2066]|\u{E0041}/u

describe('the console: what the agent writes cannot pass for something else', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let errors: string[]

  before(async () => {
    stack = await startStack(
      {
        scripts: [
          { match: { prompt: 'run the hidden one' }, replies: [bash(COMMAND), text('ran: {{toolResult}}')] },
          { match: { prompt: 'pose as the console' }, replies: [text(`${IMPOSTOR}\n\nIMPOSTOR-END`)] },
        ],
      },
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

  it('shows U+202E in a file name: invoice\u202efdp.exe does not read as invoiceexe.pdf', async () => {
    writeFileSync(join(stack.server.sessions.get(ID).workspace.root, 'invoice\u202efdp.exe'), 'MZ')
    await page.getByRole('button', { name: 'Files', exact: true }).click()
    const file = page.getByRole('button', { name: 'file invoice⟨U+202E⟩fdp.exe' })
    await file.click()
    const viewer = page.locator('section.viewer')
    await viewer.filter({ hasText: 'MZ' }).waitFor()
    assert.doesNotMatch((await page.locator('.files').textContent()) ?? '', HIDDEN)
  })

  it("keeps no role, label or id in the agent's markdown: it cannot pose as the console's controls", async () => {
    await page.getByRole('button', { name: 'Conversation', exact: true }).click()
    await page.getByRole('textbox', { name: 'message' }).fill('pose as the console')
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
    const message = page.getByRole('article', { name: 'assistant message' }).last().filter({ hasText: 'IMPOSTOR-END' })
    await message.waitFor()
    assert.equal(await page.getByRole('group', { name: 'approval for Bash' }).count(), 0)
    assert.equal(await message.getByRole('button').count(), 0)
    assert.equal(await page.locator('[id="app"]').count(), 1, "only the console's own root")
    assert.equal(await message.locator('[id], [role], [aria-label]').count(), 0)
    assert.deepEqual(errors, [])
  })
})
