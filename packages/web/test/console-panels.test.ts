// A session's panels and controls in Chromium against the real server, SDK and CLI (scripted
// model): a file uploaded through the tree that the agent then reads; a download; the exec
// panel streaming a command's output and its exit code; the model and the permission mode
// switched, each taking effect in the next turn; allow with an edited input; allow for the
// session. Waits on the DOM (and on files the test itself makes), never on timers.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { bash, say, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { launch, noChromium, openPage } from './browser.js'

const TOKEN = 'tok-panels-0123456789abcdef'
const ID = 'panels'
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
const tool = (name: string, input: Record<string, unknown>) => ({ content: [{ type: 'tool_use' as const, name, input }] })

describe('the console session panels', { skip: noChromium }, () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let errors: string[]
  const workspace = () => stack.server.sessions.get(ID).workspace.root
  const lastAssistant = () => page.getByRole('article', { name: 'assistant message' }).last()
  const send = async (prompt: string) => {
    await page.getByRole('textbox', { name: 'message' }).fill(prompt)
    await page.getByRole('textbox', { name: 'message' }).press('Enter')
  }
  const tab = (name: string) => page.getByRole('button', { name, exact: true }).click()
  const permissionRequests = async () => {
    const res = await fetch(`${stack.url}/sessions/${ID}/permissions`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const body = (await res.json()) as { events: Array<{ type: string; toolName?: string }> }
    return body.events.filter((e) => e.type === 'permission_request').map((e) => e.toolName)
  }

  before(async () => {
    stack = await startStack(
      {
        scripts: [
          {
            match: { prompt: 'read the upload' },
            replies: [() => tool('Read', { file_path: join(workspace(), 'uploaded.txt') }), text('read: {{toolResult}}')],
          },
          say('which model', 'this model'),
          {
            match: { prompt: 'write in the new mode' },
            replies: [() => tool('Write', { file_path: join(workspace(), 'mode.txt'), content: 'no question' }), text('wrote it')],
          },
          { match: { prompt: 'edit my command' }, replies: [bash('echo original > edited.txt'), text('edited: {{toolResult}}')] },
          { match: { prompt: 'first bash' }, replies: [bash('echo one >> twice.txt'), text('first done')] },
          { match: { prompt: 'second bash' }, replies: [bash('echo two >> twice.txt'), text('second done')] },
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

  it('uploads a file through the tree, and the agent reads it', async () => {
    await tab('Files')
    await page
      .getByLabel('upload files')
      .setInputFiles({ name: 'uploaded.txt', mimeType: 'text/plain', buffer: Buffer.from('sent from the browser\n') })
    await page.getByRole('status').filter({ hasText: 'Uploaded uploaded.txt' }).waitFor()
    await page.getByRole('button', { name: 'file uploaded.txt' }).waitFor()
    assert.equal(readFileSync(join(workspace(), 'uploaded.txt'), 'utf8'), 'sent from the browser\n')
    await tab('Conversation')
    await send('read the upload')
    await lastAssistant().filter({ hasText: 'read:' }).waitFor()
    assert.match((await lastAssistant().textContent()) ?? '', /sent from the browser/)
  })

  it('downloads a file from the viewer', async () => {
    writeFileSync(join(workspace(), 'report.csv'), 'a,b\n1,2\n')
    await tab('Files')
    await page.getByRole('button', { name: 'file report.csv' }).click()
    const viewer = page.getByRole('region', { name: 'viewer: report.csv' })
    await viewer.waitFor()
    const [download] = await Promise.all([page.waitForEvent('download'), viewer.getByRole('button', { name: 'Download' }).click()])
    assert.equal(download.suggestedFilename(), 'report.csv')
    assert.equal(readFileSync((await download.path())!, 'utf8'), 'a,b\n1,2\n')
  })

  it("streams a command's output in the exec panel, then its exit code", async () => {
    await tab('Exec')
    // The command waits for a file the test makes only once the first line is on the page.
    await page
      .getByRole('textbox', { name: 'command' })
      .fill('echo first-line; while [ ! -f go ]; do sleep 0.05; done; echo second-line; exit 3')
    await page.getByRole('button', { name: 'Run' }).click()
    await page.getByLabel('exec output').filter({ hasText: 'first-line' }).waitFor()
    assert.equal(await page.getByRole('status', { name: 'exec status' }).textContent(), 'running…')
    assert.ok(!((await page.getByLabel('exec output').textContent()) ?? '').includes('second-line'))
    writeFileSync(join(workspace(), 'go'), '')
    await page.getByRole('status', { name: 'exec status' }).filter({ hasText: 'exit 3' }).waitFor()
    assert.match((await page.getByLabel('exec output').textContent()) ?? '', /first-line\s+second-line/)
  })

  it('switches the model: the next turn asks the new one', async () => {
    await tab('Conversation')
    await page.getByText('Model and mode').click()
    await page.getByRole('textbox', { name: 'model' }).fill('claude-switched-model')
    await page.getByRole('button', { name: 'Set model' }).click()
    await page.getByRole('status').filter({ hasText: 'Model: claude-switched-model' }).waitFor()
    await send('which model')
    await lastAssistant().filter({ hasText: 'this model' }).waitFor()
    const turn = stack.model.requests.filter((r) => JSON.stringify(r.body).includes('which model')).at(-1)
    assert.equal((turn?.body as { model?: string }).model, 'claude-switched-model')
  })

  it('switches the permission mode: a Write in acceptEdits runs without asking', async () => {
    await page.getByRole('combobox', { name: 'permission mode' }).selectOption('acceptEdits')
    await page.getByRole('status').filter({ hasText: 'Permission mode: acceptEdits' }).waitFor()
    await send('write in the new mode')
    await lastAssistant().filter({ hasText: 'wrote it' }).waitFor()
    assert.equal(readFileSync(join(workspace(), 'mode.txt'), 'utf8'), 'no question')
    assert.ok(!(await permissionRequests()).includes('Write'), 'nobody was asked about the Write')
    await page.getByRole('combobox', { name: 'permission mode' }).selectOption('default')
    await page.getByRole('status').filter({ hasText: 'Permission mode: default' }).waitFor()
  })

  it('allows a tool call with an edited input: the edited command is the one that runs', async () => {
    await send('edit my command')
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()
    await approval.getByText('Edit input').click()
    const input = approval.getByRole('textbox', { name: 'tool input (JSON)' })
    const edited = JSON.parse(await input.inputValue()) as { command: string }
    assert.equal(edited.command, 'echo original > edited.txt')
    await input.fill(JSON.stringify({ ...edited, command: 'echo changed > edited.txt' }))
    await approval.getByRole('button', { name: 'Allow with edited input' }).click()
    await lastAssistant().filter({ hasText: 'edited:' }).waitFor()
    assert.equal(readFileSync(join(workspace(), 'edited.txt'), 'utf8'), 'changed\n')
  })

  it('allows for the session: the next call of the tool is not asked about', async () => {
    const before = (await permissionRequests()).length
    await send('first bash')
    const approval = page.getByRole('group', { name: 'approval for Bash' })
    await approval.waitFor()
    await approval.getByRole('button', { name: 'Allow for session' }).click()
    await lastAssistant().filter({ hasText: 'first done' }).waitFor()
    await send('second bash')
    await lastAssistant().filter({ hasText: 'second done' }).waitFor()
    assert.equal(readFileSync(join(workspace(), 'twice.txt'), 'utf8'), 'one\ntwo\n')
    assert.equal((await permissionRequests()).length, before + 1, 'asked once, for the first call only')
    assert.deepEqual(errors, [])
  })
})
