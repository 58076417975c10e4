// Accessibility of the console in Chromium against the real server, SDK and CLI (scripted
// model): every control of the main views (token page, sessions, a conversation with tool
// cards and an approval, files with the viewer, exec) has an accessible name, as Chromium's
// own accessibility tree computes it; and at phone width (390x844) the main controls are on
// screen, the page does not scroll sideways, and a turn can be sent and approved.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { Browser, Locator, Page } from 'playwright-core'
import { bash, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { launch, noChromium, openPage } from './browser.js'

declare const document: {
  documentElement: { scrollWidth: number; clientWidth: number }
  body: { append(node: unknown): void }
  createElement(tag: string): { remove(): void; id: string }
  getElementById(id: string): { remove(): void } | null
}

const TOKEN = 'tok-a11y-0123456789abcdef'
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
/** Roles a person operates: each needs a name a screen reader can say. */
const CONTROL_ROLES = new Set([
  'button',
  'link',
  'textbox',
  'searchbox',
  'combobox',
  'listbox',
  'checkbox',
  'radio',
  'switch',
  'tab',
  'menuitem',
  'slider',
  'spinbutton',
  'DisclosureTriangle',
])

interface AXNode {
  ignored: boolean
  role?: { value: string }
  name?: { value: string }
  backendDOMNodeId?: number
}

/** The controls Chromium's accessibility tree shows without a name, described by their HTML. */
async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page)
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AXNode[] }
    const unnamed = nodes.filter((n) => !n.ignored && CONTROL_ROLES.has(n.role?.value ?? '') && !n.name?.value.trim())
    const described: string[] = []
    for (const node of unnamed) {
      const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: node.backendDOMNodeId! })) as { object: { objectId: string } }
      const html = (await cdp.send('Runtime.callFunctionOn', {
        objectId: object.objectId,
        functionDeclaration: 'function () { return this.outerHTML.slice(0, 120) }',
        returnByValue: true,
      })) as { result: { value: string } }
      described.push(`${node.role?.value}: ${html.result.value}`)
    }
    return described
  } finally {
    await cdp.detach()
  }
}

/** Fully on screen horizontally (a phone does not scroll sideways to reach it). */
async function onScreen(control: Locator, width: number): Promise<void> {
  await control.waitFor()
  const box = await control.boundingBox()
  assert.ok(box, `${String(control)} has a box`)
  assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5, `${String(control)} within the width: ${JSON.stringify(box)}`)
  assert.ok(box.width > 0 && box.height > 0)
}

describe('the console, accessible', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  const workspace = (id: string) => stack.server.sessions.get(id).workspace.root

  before(async () => {
    stack = await startStack(
      {
        scripts: [
          {
            match: { prompt: 'show me everything' },
            replies: [
              () => ({
                content: [{ type: 'tool_use', name: 'Write', input: { file_path: join(workspace('a11y'), 'a.md'), content: '# A' } }],
              }),
              bash('echo hi > hi.txt'),
              text('Done: **all** of it'),
            ],
          },
          { match: { prompt: 'on the phone' }, replies: [bash('echo phone > phone.txt'), text('answered on the phone')] },
          { match: { prompt: 'a long command' }, replies: [bash(`echo ${'harmless '.repeat(30)}&& touch TAIL.txt`), text('refused')] },
        ],
      },
      { authTokens: [{ label: 'alice', token: TOKEN }] },
    )
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('names every control of the token page, the sessions, a conversation, the files and exec', async () => {
    const { page, errors } = await openPage(browser)
    await page.goto(stack.url)
    await page.getByLabel('Access token').waitFor()
    assert.deepEqual(await unnamedControls(page), [], 'the token page')
    // The walk sees a control without a name (so it can fail).
    await page.evaluate(() => {
      const bare = document.createElement('button')
      bare.id = 'bare'
      document.body.append(bare)
    })
    assert.deepEqual(await unnamedControls(page), ['button: <button id="bare"></button>'])
    await page.evaluate(() => document.getElementById('bare')?.remove())

    await page.getByLabel('Access token').fill(TOKEN)
    await page.getByRole('button', { name: 'Open' }).click()
    await page.getByLabel('Id').fill('a11y')
    await page.getByRole('button', { name: 'Create session' }).click()
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    writeFileSync(join(workspace('a11y'), 'notes.txt'), 'some notes')
    await page.getByRole('textbox', { name: 'message' }).fill('show me everything')
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
    // The Write's card (allowed if asked), then the Bash approval waiting, its input editor and
    // the controls open.
    for (;;) {
      const asking = page.getByRole('group', { name: /^approval for / }).first()
      await asking.waitFor()
      const name = await asking.getAttribute('aria-label')
      if (name === 'approval for Bash') break
      await asking.getByRole('button', { name: 'Allow', exact: true }).click()
      await page.getByRole('group', { name: name! }).waitFor({ state: 'detached' })
    }
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await page.getByText('Model and mode').click()
    await approval.getByText('Edit input').click()
    assert.deepEqual(await unnamedControls(page), [], 'a conversation with an approval')
    await page.getByRole('group', { name: 'approval for Bash' }).getByRole('button', { name: 'Allow', exact: true }).click()
    await page.getByRole('article', { name: 'assistant message' }).filter({ hasText: 'Done' }).waitFor()
    assert.deepEqual(await unnamedControls(page), [], 'a conversation with its tool cards')

    await page.getByRole('button', { name: 'Files', exact: true }).click()
    await page.getByRole('button', { name: 'file notes.txt' }).click()
    await page.getByLabel('contents of notes.txt').waitFor()
    assert.deepEqual(await unnamedControls(page), [], 'the files and the viewer')

    await page.getByRole('button', { name: 'Exec', exact: true }).click()
    await page.getByRole('textbox', { name: 'command' }).fill('echo done')
    await page.getByRole('button', { name: 'Run' }).click()
    await page.getByRole('status', { name: 'exec status' }).filter({ hasText: 'exit 0' }).waitFor()
    assert.deepEqual(await unnamedControls(page), [], 'exec')

    await page.getByRole('link', { name: 'back to sessions' }).click()
    await page.locator('tr[data-session="a11y"]').waitFor()
    assert.deepEqual(await unnamedControls(page), [], 'the sessions list')
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('is usable at phone width: the controls on screen, no sideways scroll, a turn sent and approved', async () => {
    const width = 390
    const { page, errors } = await openPage(browser, { width, height: 844 }, { context: { hasTouch: true, isMobile: true } })
    await page.goto(`${stack.url}/?token=${TOKEN}`)
    await page.getByRole('table', { name: 'session list' }).waitFor()
    for (const control of [
      page.getByRole('searchbox', { name: 'filter sessions' }),
      page.getByLabel('Id'),
      page.getByLabel('Model'),
      page.getByLabel('Permission mode'),
      page.getByRole('button', { name: 'Create session' }),
      page.getByRole('button', { name: 'Sign out' }),
    ])
      await onScreen(control, width)
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
    assert.equal(await noSideways(), true, 'the sessions page does not scroll sideways')

    await page.getByLabel('Id').fill('phone')
    await page.getByRole('button', { name: 'Create session' }).click()
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    for (const control of [
      page.getByRole('textbox', { name: 'message' }),
      page.getByRole('button', { name: 'Send' }),
      page.getByRole('button', { name: 'interrupt (Esc)' }),
      page.getByRole('button', { name: 'Conversation' }),
      page.getByRole('button', { name: 'Files', exact: true }),
      page.getByRole('button', { name: 'Exec', exact: true }),
      page.getByRole('link', { name: 'back to sessions' }),
    ])
      await onScreen(control, width)
    await page.getByRole('textbox', { name: 'message' }).tap()
    await page.getByRole('textbox', { name: 'message' }).fill('on the phone')
    await page.getByRole('button', { name: 'Send' }).tap()
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()
    const allow = approval.getByRole('button', { name: 'Allow', exact: true })
    await allow.scrollIntoViewIfNeeded()
    await onScreen(allow, width)
    await onScreen(approval.getByRole('button', { name: 'Deny' }), width)
    await allow.tap()
    await page.getByRole('article', { name: 'assistant message' }).filter({ hasText: 'answered on the phone' }).waitFor()
    assert.equal(await noSideways(), true, 'the conversation does not scroll sideways')
    assert.deepEqual(errors, [])
    await page.close()
  })

  it("shows an approval's input whole: no end of a long command scrolled out of sight", async () => {
    const { page, errors } = await openPage(browser)
    await page.goto(`${stack.url}/?token=${TOKEN}`)
    await page.getByLabel('Id').fill('long-input')
    await page.getByRole('button', { name: 'Create session' }).click()
    await page.getByRole('status', { name: 'connection' }).filter({ hasText: 'connected' }).waitFor()
    await page.getByRole('textbox', { name: 'message' }).fill('a long command')
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()
    // Scrolled sideways, the input showed `echo harmless harmless …` and hid `&& touch TAIL.txt`.
    const whole = (locator: Locator) =>
      locator.evaluate((n: { scrollWidth: number; clientWidth: number }) => n.scrollWidth <= n.clientWidth)
    assert.equal(await whole(approval.getByLabel('requested input')), true, 'the requested input fits its box')
    assert.equal(await whole(page.getByLabel('command', { exact: true })), true, "the Bash card's command fits its box")
    await approval.getByRole('button', { name: 'Deny' }).click()
    await page.getByRole('article', { name: 'assistant message' }).filter({ hasText: 'refused' }).waitFor()
    assert.deepEqual(errors, [])
    await page.close()
  })
})
