// What a model answer costs: US dollars per million tokens, per model. The table holds the
// current Claude models (list prices); an operator replaces or extends it with a JSON file
// (MODEL_PRICES_FILE). A model the table does not know is priced as the most expensive one
// it does, so that a spending cap errs on the side of stopping early.
import { readFileSync } from 'node:fs'

/** US dollars per million tokens. */
export interface ModelPrice {
  input: number
  output: number
  /** Writing the prompt cache (the 5-minute cache: 1.25 x input). */
  cacheWrite: number
  /** Reading the prompt cache (0.1 x input). */
  cacheRead: number
}

/** One server-side web search (the API's web search tool, Claude Code's WebSearch): $10 per 1,000. */
export const WEB_SEARCH_USD = 0.01

export interface TokenUsage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
}

export interface PriceTable {
  /** Keyed by a model id or its prefix: `claude-sonnet-4-5` prices `claude-sonnet-4-5-20250929`. */
  models: Record<string, ModelPrice>
  /** For a model no key matches. */
  fallback: ModelPrice
}

const price = (input: number, output: number): ModelPrice => ({ input, output, cacheWrite: input * 1.25, cacheRead: input / 10 })

export const DEFAULT_MODEL_PRICES: Record<string, ModelPrice> = {
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4': price(15, 75),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4': price(3, 15),
  'claude-3-7-sonnet': price(3, 15),
  'claude-3-5-sonnet': price(3, 15),
  'claude-haiku-4-5': price(1, 5),
  'claude-3-5-haiku': price(0.8, 4),
  'claude-3-haiku': price(0.25, 1.25),
}

/** The most expensive entry: what an unknown model is charged. */
export function dearestOf(models: Record<string, ModelPrice>): ModelPrice {
  const all = Object.values(models)
  if (all.length === 0) return price(15, 75)
  return all.reduce((a, b) => (b.input + b.output > a.input + a.output ? b : a))
}

export const DEFAULT_PRICES: PriceTable = { models: DEFAULT_MODEL_PRICES, fallback: dearestOf(DEFAULT_MODEL_PRICES) }

/** The entry of the longest key that is `model` or a prefix of it followed by `-`. */
export function priceOf(table: PriceTable, model: string): ModelPrice {
  let best: string | undefined
  for (const key of Object.keys(table.models)) {
    const fits = model === key || model.startsWith(`${key}-`)
    if (fits && (best === undefined || key.length > best.length)) best = key
  }
  return best === undefined ? table.fallback : table.models[best]!
}

export function costOf(table: PriceTable, model: string, usage: TokenUsage): number {
  const p = priceOf(table, model)
  const dollars =
    usage.input_tokens * p.input +
    usage.output_tokens * p.output +
    usage.cache_creation_input_tokens * p.cacheWrite +
    usage.cache_read_input_tokens * p.cacheRead
  return dollars / 1_000_000
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** One entry of a price file; throws naming the field. */
function entryOf(value: unknown, where: string): ModelPrice {
  if (!isObject(value)) throw new Error(`${where}: expected an object`)
  const known = ['input', 'output', 'cacheWrite', 'cacheRead']
  const odd = Object.keys(value).find((k) => !known.includes(k))
  if (odd) throw new Error(`${where}.${odd}: unknown field (one of ${known.join(', ')})`)
  const num = (name: string, fallback?: number): number => {
    const v = value[name] ?? fallback
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`${where}.${name}: expected dollars per million tokens, >= 0`)
    return v
  }
  const input = num('input')
  return { input, output: num('output'), cacheWrite: num('cacheWrite', input * 1.25), cacheRead: num('cacheRead', input / 10) }
}

/**
 * The table a price file describes: `{ "models": { "<model or prefix>": { "input": 3,
 * "output": 15, "cacheWrite"?: 3.75, "cacheRead"?: 0.3 } }, "fallback"?: {...}, "replace"?: false }`.
 * Its models are merged over the built-in table unless `replace` is true.
 * Throws an Error naming the file and the bad field.
 */
export function loadPrices(path: string): PriceTable {
  try {
    const raw: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (!isObject(raw)) throw new Error('expected a JSON object')
    const odd = Object.keys(raw).find((k) => !['models', 'fallback', 'replace'].includes(k))
    if (odd) throw new Error(`${odd}: unknown field (models, fallback, replace)`)
    if (raw['models'] !== undefined && !isObject(raw['models'])) throw new Error('models: expected an object')
    const own = Object.fromEntries(
      Object.entries((raw['models'] as Json | undefined) ?? {}).map(([k, v]) => [k, entryOf(v, `models.${k}`)]),
    )
    const models = raw['replace'] === true ? own : { ...DEFAULT_MODEL_PRICES, ...own }
    return { models, fallback: raw['fallback'] === undefined ? dearestOf(models) : entryOf(raw['fallback'], 'fallback') }
  } catch (err) {
    throw new Error(`MODEL_PRICES_FILE ${path}: ${(err as Error).message}`, { cause: err })
  }
}
