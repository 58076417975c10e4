// Screenshots of the console's main views for docs/images/ (run by hand, not by the tests):
//   npm run build && node --import tsx --conditions=claude-agent-source packages/web/test/screenshots.ts
// The real server, SDK and CLI against the scripted model; a session with tool cards and an
// approval waiting, the files view, and the phone width.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ClaudeAgentClient } from '@claude-agent/client'
import { slowly, startStack } from '../../client/test/e2e/helpers/stack.js'
import { launch, openPage } from './browser.js'

const OUT = new URL('../../../docs/images/', import.meta.url).pathname
const TOKEN = 'screenshot-token'
const tool = (name: string, input: Record<string, unknown>) => ({ content: [{ type: 'tool_use' as const, name, input }] })
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
let workspace = ''
const file = (name: string) => join(workspace, name)

const SUMMARY = `Done. \`slugify\` now trims and collapses dashes:

\`\`\`ts
export const slugify = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
\`\`\`

Next I would run the **tests**.`

const stack = await startStack(
  {
    scripts: [
      {
        match: { prompt: 'Tidy up' },
        replies: [
          () =>
            tool('TodoWrite', {
              todos: [
                { content: 'Read utils.ts', status: 'completed', activeForm: 'Reading utils.ts' },
                { content: 'Fix slugify', status: 'in_progress', activeForm: 'Fixing slugify' },
                { content: 'Run the tests', status: 'pending', activeForm: 'Running the tests' },
              ],
            }),
          () => tool('Read', { file_path: file('utils.ts') }),
          () =>
            tool('Edit', {
              file_path: file('utils.ts'),
              old_string: "export const slugify = (s: string) => s.toLowerCase().replace(/ /g, '-')",
              new_string: "export const slugify = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')",
            }),
          () =>
            tool('Write', {
              file_path: file('utils.test.ts'),
              content: "import { slugify } from './utils'\n\nconsole.assert(slugify(' Hello  World ') === 'hello-world')\n",
            }),
          () => tool('Glob', { pattern: '*.ts' }),
          text(SUMMARY),
        ],
      },
      {
        match: { prompt: 'Run the tests' },
        replies: [tool('Bash', { command: 'node --test', description: 'Run the test suite' }), text('All green.')],
      },
      slowly('hello', 'Hello! How can I help?', 1),
    ],
  },
  { authTokens: [{ label: 'alice', token: TOKEN }] },
)
const client = new ClaudeAgentClient({ connectionUrl: stack.url, token: TOKEN })
await client.sessions.create({ id: 'tidy-utils', config: { permissionMode: 'acceptEdits' } })
// Each named session works in a directory of its own.
workspace = stack.server.sessions.get('tidy-utils').workspace.root
writeFileSync(file('utils.ts'), "export const slugify = (s: string) => s.toLowerCase().replace(/ /g, '-')\n")
mkdirSync(file('docs'), { recursive: true })
writeFileSync(file('docs/notes.md'), '# Notes\n\n- slugify: trim first\n')
await client.sessions.create({ id: 'release-notes', config: { model: 'claude-sonnet-4-5' } })
await client.sessions.create({ id: 'triage-42' })
const session = await client.sessions.attach('tidy-utils')
session.onPermissionRequest(() => 'allow')
await session.prompt('Tidy up slugify in utils.ts')
await session.close()

const browser = await launch()
try {
  const { page } = await openPage(browser, { width: 1200, height: 860 })
  await page.goto(`${stack.url}/?token=${TOKEN}`)
  await page.getByRole('table', { name: 'session list' }).waitFor()
  await page.goto(`${stack.url}/#/sessions/tidy-utils`)
  await page.getByRole('status', { name: 'turn summary' }).waitFor()
  await page.getByRole('textbox', { name: 'message' }).fill('Run the tests')
  await page.getByRole('textbox', { name: 'message' }).press('Enter')
  await page.getByRole('group', { name: 'approval for Bash' }).waitFor()
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title.startsWith('(1)'))
  await page.screenshot({ path: join(OUT, 'console-conversation.png'), fullPage: true })
  await page.getByRole('link', { name: 'back to sessions' }).click()
  await page.locator('tr[data-session="tidy-utils"] td.waiting').waitFor()
  await page.screenshot({ path: join(OUT, 'console-sessions.png') })
  await page.goto(`${stack.url}/#/sessions/tidy-utils`)
  await page.getByRole('button', { name: 'Files', exact: true }).click()
  await page.getByRole('button', { name: 'file utils.ts' }).click()
  await page.getByLabel('contents of utils.ts').waitFor()
  await page.screenshot({ path: join(OUT, 'console-files.png') })
  const phone = await openPage(browser, { width: 390, height: 844 })
  await phone.page.goto(`${stack.url}/?token=${TOKEN}#/sessions/tidy-utils`)
  await phone.page.getByRole('group', { name: 'approval for Bash' }).waitFor()
  await phone.page.screenshot({ path: join(OUT, 'console-phone.png') })
} finally {
  await browser.close()
  await client.stop()
  await stack.close()
}
