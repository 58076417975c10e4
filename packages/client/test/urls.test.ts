// deriveServerUrls: one connection URL -> the HTTP config endpoint and the WebSocket endpoint.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClaudeAgentClient, deriveServerUrls, isClaudeAgentClientError } from '../src/index.js'

describe('deriveServerUrls', () => {
  const cases: [string, string, string, string][] = [
    // input, httpUrl, configUrl, wsUrl
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000', 'http://127.0.0.1:3000/config', 'ws://127.0.0.1:3000/ws'],
    ['http://localhost:3000/', 'http://localhost:3000', 'http://localhost:3000/config', 'ws://localhost:3000/ws'],
    ['https://agent.example.com', 'https://agent.example.com', 'https://agent.example.com/config', 'wss://agent.example.com/ws'],
    ['ws://localhost:3000', 'http://localhost:3000', 'http://localhost:3000/config', 'ws://localhost:3000/ws'],
    ['wss://agent.example.com', 'https://agent.example.com', 'https://agent.example.com/config', 'wss://agent.example.com/ws'],
    // the WebSocket endpoint itself
    ['ws://localhost:3000/ws', 'http://localhost:3000', 'http://localhost:3000/config', 'ws://localhost:3000/ws'],
    // a path prefix behind a proxy is kept
    ['https://h.example/agent/', 'https://h.example/agent', 'https://h.example/agent/config', 'wss://h.example/agent/ws'],
    // a query string (e.g. a proxy token) goes to both endpoints
    ['http://h:1/?t=x', 'http://h:1', 'http://h:1/config?t=x', 'ws://h:1/ws?t=x'],
  ]
  for (const [input, httpUrl, configUrl, wsUrl] of cases) {
    it(input, () => {
      assert.deepEqual(deriveServerUrls(input), { httpUrl, configUrl, wsUrl })
    })
  }

  for (const bad of ['localhost:3000', 'not a url', 'ftp://h/', 'http://user:pw@h:1']) {
    it(`rejects ${bad} with INVALID_ARGUMENT`, () => {
      assert.throws(
        () => deriveServerUrls(bad),
        (e) => isClaudeAgentClientError(e, 'INVALID_ARGUMENT'),
      )
    })
  }

  it('the client constructor rejects a malformed connectionUrl', () => {
    assert.throws(
      () => new ClaudeAgentClient({ connectionUrl: 'ftp://h/' }),
      (e) => isClaudeAgentClientError(e, 'INVALID_ARGUMENT'),
    )
  })
})
