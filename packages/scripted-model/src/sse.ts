// Writes a rendered message as the Messages API event stream the CLI accepts:
// message_start, per block content_block_start / _delta... / _stop, message_delta, message_stop.
import type { ServerResponse } from 'node:http'
import { wait } from './http.js'
import { newId } from './reply.js'
import type { RenderedBlock, RenderedMessage } from './reply.js'

/** How to pace the deltas. */
export interface Pacing {
  /** Characters per delta; undefined sends each block in one delta. */
  chunkSize?: number | undefined
  /** Wait between consecutive deltas. */
  chunkDelayMs?: number | undefined
}

/** Streams the message; stops quietly if `signal` aborts (client hung up, server closing). */
export async function writeSse(res: ServerResponse, message: RenderedMessage, pacing: Pacing, signal: AbortSignal): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': newId('req_01'),
  })
  res.flushHeaders()
  const send = (event: string, data: Record<string, unknown>): void => {
    if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`)
  }
  send('message_start', {
    message: {
      id: message.id,
      type: 'message',
      role: 'assistant',
      model: message.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...message.usage, output_tokens: 1 },
    },
  })
  let first = true
  for (const [index, block] of message.content.entries()) {
    send('content_block_start', { index, content_block: startOf(block) })
    for (const delta of deltasOf(block, pacing.chunkSize)) {
      if (!first && !(await wait(pacing.chunkDelayMs ?? 0, signal))) return void res.destroy()
      first = false
      send('content_block_delta', { index, delta })
    }
    send('content_block_stop', { index })
  }
  send('message_delta', {
    delta: { stop_reason: message.stopReason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  })
  send('message_stop', {})
  res.end()
}

function startOf(block: RenderedBlock): Record<string, unknown> {
  // The input arrives through input_json_delta, so the start carries an empty one.
  return block.type === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: block.id, name: block.name, input: {} }
}

function deltasOf(block: RenderedBlock, chunkSize: number | undefined): Record<string, unknown>[] {
  if (block.type === 'text') return chunks(block.text, chunkSize).map((text) => ({ type: 'text_delta', text }))
  const json = JSON.stringify(block.input)
  return chunks(json, chunkSize).map((partial_json) => ({ type: 'input_json_delta', partial_json }))
}

/** Splits by code points so a chunk never cuts a surrogate pair in half. */
export function chunks(text: string, size: number | undefined): string[] {
  if (text === '') return []
  const points = Array.from(text)
  if (size === undefined || size >= points.length) return [text]
  const out: string[] = []
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''))
  return out
}
