// The E2B provider: the contract against a real sandbox when E2B_API_KEY is set (the template
// must be built: `npm run build:e2b`), skipped otherwise. Its server runs the built-in demo model
// (no credential is passed), so the prompt round trip needs no Anthropic key. The constants it
// shares with the template are checked offline.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { APP_DIR, SERVER_PORT, START_COMMAND } from '../../../../deploy/e2b/template.js'
import { E2BProvider, E2B_APP_DIR, E2B_SERVER_PORT, E2B_START_COMMAND } from '../../src/providers/e2b.js'
import { providerContract } from './contract.js'

const apiKey = process.env['E2B_API_KEY']

providerContract({
  name: 'e2b',
  skip: apiKey ? false : 'E2B_API_KEY not set',
  make: () => new E2BProvider({ apiKey, inheritCredentials: false }),
  prompt: { text: 'Hello from the provider contract' },
})

describe('e2b provider (offline)', () => {
  it('starts the server the way the template installs it', () => {
    assert.deepEqual([E2B_APP_DIR, E2B_SERVER_PORT, E2B_START_COMMAND], [APP_DIR, SERVER_PORT, START_COMMAND])
  })
})
