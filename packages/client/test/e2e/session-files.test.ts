// `client.files` of a client attached to a named session works in that session's workspace
// (`/sessions/:id/files...`), the default client in the default session's: each sees only its
// own files, a watch only its own workspace's changes, and two sessions naming the same shared
// workspace see each other's files.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError, type FilesystemEvent } from '../../src/index.js'
import { startStack, waitFor, type Stack } from './helpers/stack.js'

const notFound = (error: unknown) => isClaudeAgentClientError(error, 'REQUEST_FAILED') && error.serverCode === 'FILE_NOT_FOUND'

describe('files per session through the client', () => {
  let stack: Stack
  const clients: ClaudeAgentClient[] = []
  const clientFor = (sessionId?: string) => {
    const client = new ClaudeAgentClient({ connectionUrl: stack.url, ...(sessionId !== undefined && { sessionId }) })
    clients.push(client)
    return client
  }

  before(async () => {
    stack = await startStack({ scripts: [] })
    const admin = clientFor()
    await admin.sessions.create({ id: 'alpha' })
    await admin.sessions.create({ id: 'beta' })
    await admin.sessions.create({ id: 'pair-1', config: { workspace: { shared: 'pair' } } })
    await admin.sessions.create({ id: 'pair-2', config: { workspace: { shared: 'pair' } } })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it("each session's client reads and writes its own workspace only", async () => {
    const [main, alpha, beta] = [clientFor(), clientFor('alpha'), clientFor('beta')]
    await alpha.files.write('notes.txt', 'alpha notes')
    await beta.files.write('notes.txt', 'beta notes')
    await main.files.write('notes.txt', 'default notes')
    assert.equal(await alpha.files.read('notes.txt'), 'alpha notes')
    assert.equal(await beta.files.read('notes.txt'), 'beta notes')
    assert.equal(await main.files.read('notes.txt'), 'default notes')

    await alpha.files.write('only-alpha.txt', 'x')
    await assert.rejects(beta.files.read('only-alpha.txt'), notFound)
    await assert.rejects(main.files.read('only-alpha.txt'), notFound)
    assert.deepEqual(
      (await beta.files.list()).map((e) => e.path),
      ['notes.txt'],
    )
    await alpha.files.remove('only-alpha.txt')
    assert.deepEqual(
      (await alpha.files.list()).map((e) => e.path),
      ['notes.txt'],
    )
    // Commands run in the session's workspace too.
    assert.equal((await alpha.commands.run('cat', { args: ['notes.txt'] })).stdout, 'alpha notes')
  })

  it("a watch sees its own session's changes, not another's", async () => {
    const [alpha, beta] = [clientFor('alpha'), clientFor('beta')]
    const seen: FilesystemEvent[] = []
    const watch = await alpha.files.watchDir('.', (event) => void seen.push(event))
    await beta.files.write('beta-only.txt', 'b')
    await alpha.files.write('alpha-marker.txt', 'a')
    await waitFor(() => seen.some((e) => e.path === 'alpha-marker.txt'), "alpha's own write")
    await watch.stop()
    assert.equal(
      seen.some((e) => e.path === 'beta-only.txt'),
      false,
      JSON.stringify(seen),
    )
  })

  it('two sessions naming the same shared workspace see each other files', async () => {
    const [one, two, alpha] = [clientFor('pair-1'), clientFor('pair-2'), clientFor('alpha')]
    await one.files.write('shared.txt', 'from one')
    assert.equal(await two.files.read('shared.txt'), 'from one')
    await two.files.write('shared.txt', 'changed by two')
    assert.equal(await one.files.read('shared.txt'), 'changed by two')
    await assert.rejects(alpha.files.read('shared.txt'), notFound)
  })
})
