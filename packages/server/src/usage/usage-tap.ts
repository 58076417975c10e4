// Reads what a model answer used while its bytes pass to the CLI, never holding them back: a
// JSON body's `usage`, or a stream's message_start usage updated by message_delta (whose
// counts are cumulative). A compressed answer is decompressed on the side for reading only.
import type { IncomingMessage } from 'node:http'
import { PassThrough, type Transform } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { TokenUsage } from './prices.js'

export interface MeteredAnswer {
  /** The model the answer names (the upstream's word, not the request's). */
  model: string
  usage: TokenUsage
  /** Server-side web searches it ran (`usage.server_tool_use.web_search_requests`), billed apiece. */
  webSearches?: number
}

/** A JSON answer larger than this is not read (a model answer is far smaller). */
const MAX_JSON_BYTES = 32 * 1024 * 1024
/** An event-stream line longer than this is skipped (usage lines are short). */
const MAX_LINE_CHARS = 1024 * 1024

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined)

const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const

/** `usage` fields over `base`: only well-formed counts are taken. */
function mergeUsage(base: TokenUsage, usage: unknown): TokenUsage {
  if (!isObject(usage)) return base
  const out = { ...base }
  for (const key of USAGE_KEYS) out[key] = count(usage[key]) ?? out[key]
  return out
}

/** The web searches a `usage` reports (cumulative in a stream, as the tokens), else `base`. */
function searchesIn(usage: unknown, base: number): number {
  if (!isObject(usage) || !isObject(usage['server_tool_use'])) return base
  return count(usage['server_tool_use']['web_search_requests']) ?? base
}

const ZERO: TokenUsage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }

/** Reads usage out of the decoded text of an answer, pushed piece by piece. */
interface UsageReader {
  push(text: string): void
  /** What was read, once the answer ended (or was cut). */
  result(): MeteredAnswer | undefined
}

/** The only events that carry usage. Every other line (token deltas are nearly all of them)
 * is passed over unparsed; the full parse below still decides. In a JSON string a quote is
 * escaped, so a delta's text cannot look like this key. */
const USAGE_EVENT = /"type"\s*:\s*"message_(?:start|delta)"/
/** A piece of the answer. Each one that carries anything is an output token at least: the
 * floor of what a stream cut before its message_delta (the only count of its output) used. */
const CONTENT_DELTA = /^data:\s*\{\s*"type"\s*:\s*"content_block_delta"/
const EMPTY_DELTA = /"(?:partial_json|text|thinking)"\s*:\s*""/

function streamReader(): UsageReader {
  let line = ''
  let skipping = false
  let seen: MeteredAnswer | undefined
  let deltas = 0
  const take = (text: string) => {
    if (!text.startsWith('data:')) return
    if (CONTENT_DELTA.test(text)) {
      if (!EMPTY_DELTA.test(text)) deltas++
      return
    }
    if (!USAGE_EVENT.test(text)) return
    let event: unknown
    try {
      event = JSON.parse(text.slice(5))
    } catch {
      return
    }
    if (!isObject(event)) return
    if (event['type'] === 'message_start' && isObject(event['message'])) {
      const model = typeof event['message']['model'] === 'string' ? event['message']['model'] : 'unknown'
      seen = { model, usage: mergeUsage(ZERO, event['message']['usage']), webSearches: searchesIn(event['message']['usage'], 0) }
    } else if (event['type'] === 'message_delta' && seen) {
      seen.usage = mergeUsage(seen.usage, event['usage'])
      seen.webSearches = searchesIn(event['usage'], seen.webSearches ?? 0)
    }
  }
  return {
    push(text) {
      const parts = text.split('\n')
      for (let i = 0; i < parts.length - 1; i++) {
        if (!skipping) take((line + parts[i]!).replace(/\r$/, ''))
        line = ''
        skipping = false
      }
      line += parts.at(-1)!
      if (line.length > MAX_LINE_CHARS) [line, skipping] = ['', true]
    },
    result: () => seen && { ...seen, usage: { ...seen.usage, output_tokens: Math.max(seen.usage.output_tokens, deltas) } },
  }
}

function jsonReader(): UsageReader {
  let text = ''
  let tooLarge = false
  return {
    push(piece) {
      if (tooLarge) return
      text += piece
      if (text.length > MAX_JSON_BYTES) [text, tooLarge] = ['', true]
    },
    result() {
      try {
        const body: unknown = JSON.parse(text)
        if (!isObject(body) || !isObject(body['usage'])) return undefined
        const model = typeof body['model'] === 'string' ? body['model'] : 'unknown'
        return { model, usage: mergeUsage(ZERO, body['usage']), webSearches: searchesIn(body['usage'], 0) }
      } catch {
        return undefined
      }
    },
  }
}

/** undefined: the answer is not encoded, its bytes are read as they are. */
function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return undefined
    case 'gzip':
    case 'x-gzip':
      return createGunzip()
    case 'br':
      return createBrotliDecompress()
    case 'deflate':
      return createInflate()
    default:
      // An encoding we do not know is read as it is: it yields no usage, and is not refused.
      return new PassThrough()
  }
}

/**
 * Watches `answer` (already being piped to the client) and calls `onUsage` once when it
 * ends or is cut, if it reported usage. A cut stream still counts what its start reported:
 * the input was billed.
 */
export function tapUsage(answer: IncomingMessage, onUsage: (metered: MeteredAnswer) => void): void {
  const type = String(answer.headers['content-type'] ?? '')
  const reader = type.includes('text/event-stream') ? streamReader() : jsonReader()
  const decoder = decoderFor(answer.headers['content-encoding'] as string | undefined)
  const text = new StringDecoder('utf8')
  let reported = false
  const report = () => {
    if (reported) return
    reported = true
    const metered = reader.result()
    if (metered) onUsage(metered)
  }
  const read = (chunk: Buffer) => reader.push(text.write(chunk))
  const ended = () => {
    reader.push(text.end())
    report()
  }
  if (!decoder) {
    // Every chunk of a plain answer straight to the reader: no stream between.
    answer.on('data', read)
    answer.on('end', ended)
  } else {
    decoder.on('data', read)
    decoder.on('end', ended)
    // Bytes that do not decompress are not readable: what was read so far counts.
    decoder.on('error', report)
    answer.on('data', (chunk: Buffer) => decoder.write(chunk))
    answer.on('end', () => decoder.end())
  }
  answer.on('close', () => {
    if (!answer.complete) report()
  })
}
