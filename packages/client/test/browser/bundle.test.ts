// The client in a browser bundle: the `browser` conditions of the package's `imports` map swap
// the `ws` loader and the provider loader for browser ones, so a bundler following every import
// (dynamic ones included) brings in no `ws`, no local provider, no `e2b` and no `node:` module.
// The same entry bundled for Node does hold them, which shows the check can fail.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bundle } from './bundle.js'

const NODE_ONLY = [/node_modules\/ws\//, /node_modules\/e2b\//, /providers\/local\.js$/, /providers\/e2b\.js$/, /load-ws\.node\.js$/]

describe('browser bundle of the client', () => {
  it('holds no ws, e2b, local provider or node: module', async () => {
    const { inputs, external, code } = await bundle('browser')
    assert.ok(
      inputs.some((i) => i.endsWith('client/dist/client.js')),
      'the client itself is bundled',
    )
    const found = inputs.filter((input) => NODE_ONLY.some((pattern) => pattern.test(input)))
    assert.deepEqual(found, [], 'no Node-only module in the browser bundle')
    assert.deepEqual(external, [], 'nothing left to resolve at run time')
    assert.doesNotMatch(code, /from\s*["']node:|require\(["']node:|import\(["']node:/)
  })

  it('the same entry bundled for Node holds ws and the providers', async () => {
    const { inputs, external } = await bundle('node')
    for (const pattern of NODE_ONLY.filter((p) => !/e2b\//.test(p.source))) {
      assert.ok(
        inputs.some((input) => pattern.test(input)),
        `node bundle holds ${pattern}`,
      )
    }
    assert.ok(
      external.some((path) => path.startsWith('node:')),
      'node builtins stay external',
    )
  })

  it('a bundled browser client refuses the local and E2B providers with PROVIDER_FAILED', async () => {
    // Run the browser build's provider choice here: the refusal must name the way out.
    const { code } = await bundle(
      'browser',
      `import { ClaudeAgentClient } from '../../dist/index.js'
       export async function tryProvider(options) {
         try { await new ClaudeAgentClient(options).start(); return 'started' } catch (e) { return e.code + ': ' + e.message }
       }`,
    )
    const url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
    const { tryProvider } = (await import(url)) as { tryProvider: (o: object) => Promise<string> }
    assert.match(await tryProvider({ provider: 'local' }), /^PROVIDER_FAILED: .*connectionUrl/)
    assert.match(await tryProvider({ e2bApiKey: 'e2b_test' }), /^PROVIDER_FAILED: .*E2B provider is not part of the browser build/)
  })

  it('a bundled browser client refuses a token no subprotocol can carry, before any request, without showing it', async () => {
    const { code } = await bundle(
      'browser',
      `import { ClaudeAgentClient } from '../../dist/index.js'
       export function make(token) {
         try { new ClaudeAgentClient({ connectionUrl: 'http://127.0.0.1:1', token }); return 'made' } catch (e) { return e.code + ': ' + e.message }
       }`,
    )
    const url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
    const { make } = (await import(url)) as { make: (token: string) => string }
    for (const token of ['secret-with=padding', 'secret with space', 'secret/slash']) {
      const made = make(token)
      assert.match(made, /^INVALID_ARGUMENT: .*subprotocol/, token)
      assert.ok(!made.includes('secret'), made)
    }
    assert.equal(make('base64url_Token-123'), 'made')
  })
})
