// The price table: model ids matched by their longest known prefix, unknown models priced as
// the dearest known one, an operator's file merged or replacing, a bad file or setting refused
// with its name; the budget settings read from the environment.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { settingsFromEnv } from '../src/index.js'
import { DEFAULT_PRICES, costOf, loadPrices, priceOf } from '../src/usage/prices.js'

const dir = mkdtempSync(join(tmpdir(), 'cas-prices-unit-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
const tokens = (input: number, output: number, write = 0, read = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: write,
  cache_read_input_tokens: read,
})

describe('model prices', () => {
  it('matches dated ids by the longest prefix, never a longer name', () => {
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-sonnet-4-5-20250929').output, 15)
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-opus-4-5-20251101').input, 5)
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-opus-4-1-20250805').input, 15)
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-haiku-4-5').input, 1)
    // `claude-opus-4` must not price `claude-opus-45` (no dash after the key).
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-opus-45'), DEFAULT_PRICES.fallback)
  })

  it('prices an unknown model as the dearest known one', () => {
    assert.deepEqual(priceOf(DEFAULT_PRICES, 'some-new-model'), priceOf(DEFAULT_PRICES, 'claude-opus-4-1'))
    assert.deepEqual(priceOf(DEFAULT_PRICES, ''), DEFAULT_PRICES.fallback)
  })

  it('costs input, output, cache writes and reads', () => {
    // Haiku 4.5: $1 in, $5 out, $1.25 cache write, $0.10 cache read per million.
    assert.equal(costOf(DEFAULT_PRICES, 'claude-haiku-4-5', tokens(1e6, 1e6, 1e6, 1e6)), 1 + 5 + 1.25 + 0.1)
    assert.equal(costOf(DEFAULT_PRICES, 'claude-haiku-4-5', tokens(0, 0)), 0)
  })

  it('merges an operator file over the table, or replaces it', () => {
    const merged = loadPrices(file('m.json', JSON.stringify({ models: { 'claude-sonnet-4-5': { input: 2, output: 10 } } })))
    assert.deepEqual(priceOf(merged, 'claude-sonnet-4-5-x'), { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 })
    assert.equal(priceOf(merged, 'claude-haiku-4-5').input, 1, 'the rest stays')
    const replaced = loadPrices(file('r.json', JSON.stringify({ replace: true, models: { mine: { input: 1, output: 2 } } })))
    assert.deepEqual(Object.keys(replaced.models), ['mine'])
    assert.equal(priceOf(replaced, 'claude-haiku-4-5').input, 1, 'an unknown model costs the dearest of the file')
    const fallback = loadPrices(file('f.json', JSON.stringify({ fallback: { input: 7, output: 7, cacheRead: 0 } })))
    assert.deepEqual(priceOf(fallback, 'x'), { input: 7, output: 7, cacheWrite: 8.75, cacheRead: 0 })
  })

  it('refuses a bad file naming it and the field', () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /bad\.json: .*JSON/],
      ['[]', /expected a JSON object/],
      ['{"model": {}}', /model: unknown field/],
      ['{"models": {"a": {"input": -1, "output": 1}}}', /models\.a\.input: expected dollars/],
      ['{"models": {"a": {"input": 1}}}', /models\.a\.output/],
      ['{"models": {"a": {"input": 1, "output": 1, "cached": 1}}}', /models\.a\.cached: unknown field/],
      ['{"fallback": {"input": "1", "output": 1}}', /fallback\.input/],
    ]
    for (const [text, message] of cases) assert.throws(() => loadPrices(file('bad.json', text)), message, text)
    assert.throws(() => loadPrices(join(dir, 'missing.json')), /MODEL_PRICES_FILE .*missing\.json: ENOENT/)
  })

  it('reads the budget settings, refusing what is not an amount', () => {
    const env = { DATA_DIR: dir, SESSION_BUDGET_USD: '2.5', PRINCIPAL_BUDGET_USD: '0', MODEL_PRICES_FILE: '/p.json' }
    assert.deepEqual(settingsFromEnv(env).budgets, { sessionUsd: 2.5, principalUsd: 0, pricesFile: '/p.json' })
    assert.deepEqual(settingsFromEnv({ DATA_DIR: dir }).budgets, { sessionUsd: undefined, principalUsd: undefined, pricesFile: undefined })
    for (const bad of ['-1', 'abc', '1e3', '5$', 'Infinity'])
      assert.throws(() => settingsFromEnv({ DATA_DIR: dir, SESSION_BUDGET_USD: bad }), /SESSION_BUDGET_USD must be an amount/, bad)
  })
})
