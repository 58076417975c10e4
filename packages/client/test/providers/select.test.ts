// Which provider a set of options selects (nothing is started).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isClaudeAgentClientError } from '../../src/index.js'
import { selectProvider } from '../../src/providers/select.js'
import { UrlProvider } from '../../src/providers/url.js'

const log = () => {}

describe('selectProvider', () => {
  it('connectionUrl -> url (with the token)', async () => {
    const provider = await selectProvider({ connectionUrl: 'http://127.0.0.1:1', token: 'tok-0123456789' }, log)
    assert.ok(provider instanceof UrlProvider)
    assert.deepEqual(await provider.start(), { baseUrl: 'http://127.0.0.1:1', token: 'tok-0123456789' })
    assert.equal(provider.passesCredential, false)
  })

  it("provider: 'local' -> local", async () => {
    const provider = await selectProvider({ provider: 'local' }, log)
    assert.equal(provider.name, 'local')
    assert.equal(provider.passesCredential, true)
  })

  it('an E2B key (option or E2B_API_KEY) -> e2b, the original default; also with sandboxId', async () => {
    assert.equal((await selectProvider({ e2bApiKey: 'e2b_key' }, log)).name, 'e2b')
    assert.equal((await selectProvider({ e2bApiKey: 'e2b_key', sandboxId: 'sbx-1' }, log)).name, 'e2b')
    const saved = process.env['E2B_API_KEY']
    process.env['E2B_API_KEY'] = 'e2b_from_env'
    try {
      assert.equal((await selectProvider({}, log)).name, 'e2b')
    } finally {
      if (saved === undefined) delete process.env['E2B_API_KEY']
      else process.env['E2B_API_KEY'] = saved
    }
  })

  it("provider: 'e2b' without a key -> NO_PROVIDER", async () => {
    const saved = process.env['E2B_API_KEY']
    delete process.env['E2B_API_KEY']
    try {
      await assert.rejects(
        selectProvider({ provider: 'e2b' }, log),
        (e) => isClaudeAgentClientError(e, 'NO_PROVIDER') && /API key/.test(e.message),
      )
    } finally {
      if (saved !== undefined) process.env['E2B_API_KEY'] = saved
    }
  })

  it('a provider object is used as is', async () => {
    const custom = {
      name: 'mine',
      passesCredential: false,
      start: async () => ({ baseUrl: 'http://x' }),
      stop: async () => {},
      info: () => undefined,
    }
    assert.equal(await selectProvider({ provider: custom }, log), custom)
  })
})
