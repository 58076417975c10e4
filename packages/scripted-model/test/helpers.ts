// Test helpers: build Messages API requests the way the CLI does and read SSE over real HTTP.

export interface SseEvent {
  event: string
  data: Record<string, any>
}

/** A CLI-like user message: a system-reminder block, then the prompt as the LAST text block. */
export function userPrompt(prompt: string): { role: string; content: unknown[] } {
  return {
    role: 'user',
    content: [
      { type: 'text', text: '<system-reminder>\nsome reminder\n</system-reminder>\n' },
      { type: 'text', text: prompt },
    ],
  }
}

export function toolResult(toolUseId: string, content: string): { role: string; content: unknown[] } {
  return { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content }] }
}

/** POSTs to /v1/messages like the CLI (query string, api key, session header). */
export async function post(
  url: string,
  body: Record<string, unknown>,
  options: { session?: string; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-api-key': 'sk-secret-test-key',
    'anthropic-version': '2023-06-01',
  }
  if (options.session) headers['x-claude-code-session-id'] = options.session
  return fetch(`${url}/v1/messages?beta=true`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'claude-test-1', max_tokens: 1024, ...body }),
    ...(options.signal ? { signal: options.signal } : {}),
  })
}

/** A streaming turn; returns the parsed SSE events. */
export async function streamTurn(url: string, messages: unknown[], session?: string): Promise<SseEvent[]> {
  const res = await post(url, { stream: true, messages }, session ? { session } : {})
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
  return parseSse(await res.text())
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? ''
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? 'null') as Record<string, any>
      return { event, data }
    })
}

/** The text of all text_delta events. */
export function textOf(events: SseEvent[]): string {
  return events
    .filter((e) => e.event === 'content_block_delta' && e.data['delta'].type === 'text_delta')
    .map((e) => e.data['delta'].text as string)
    .join('')
}

/** The tool_use blocks of a stream, inputs rebuilt from input_json_delta. */
export function toolUsesOf(events: SseEvent[]): { id: string; name: string; input: unknown }[] {
  const uses = new Map<number, { id: string; name: string; json: string }>()
  for (const { event, data } of events) {
    if (event === 'content_block_start' && data['content_block'].type === 'tool_use') {
      uses.set(data['index'], { id: data['content_block'].id, name: data['content_block'].name, json: '' })
    }
    if (event === 'content_block_delta' && data['delta'].type === 'input_json_delta') {
      const use = uses.get(data['index'])
      if (use) use.json += data['delta'].partial_json
    }
  }
  return [...uses.values()].map((u) => ({ id: u.id, name: u.name, input: JSON.parse(u.json) }))
}

export function stopReasonOf(events: SseEvent[]): string | undefined {
  return events.find((e) => e.event === 'message_delta')?.data['delta'].stop_reason
}
