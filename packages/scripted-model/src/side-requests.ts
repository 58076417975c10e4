// Requests the CLI makes besides agent turns. They are answered here, WITHOUT consuming a
// scripted reply, so a scenario only describes the conversation a test cares about.
// Measured with Claude Code 2.1.331 (agent SDK 0.3.331):
// - Query.setModel() checks the model with a non-streaming request, max_tokens: 1, prompt "Hi".
// - Unless CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, every prompt also triggers a STREAMING
//   session-title request: tools: [], output_config.format = json_schema {title: string}.
import { isObject } from './request.js'
import type { MessagesRequestBody } from './request.js'
import type { Reply } from './scenario.js'

export type SideRequestKind = 'model-check' | 'session-title' | 'structured-output'

export interface SideRequest {
  kind: SideRequestKind
  reply: Reply
}

/** Recognises a side request, or returns undefined for an agent turn. */
export function sideRequestOf(body: MessagesRequestBody): SideRequest | undefined {
  if (body.max_tokens !== undefined && body.max_tokens <= 1) {
    return { kind: 'model-check', reply: { content: [{ type: 'text', text: 'Hi' }], stopReason: 'max_tokens' } }
  }
  const format = body.output_config?.format
  const noTools = body.tools === undefined || body.tools.length === 0
  if (noTools && format?.type === 'json_schema') {
    const value = sampleOf(format.schema)
    const kind = isObject(value) && 'title' in value ? 'session-title' : 'structured-output'
    return { kind, reply: { content: [{ type: 'text', text: JSON.stringify(value) }] } }
  }
  return undefined
}

/** A small value that satisfies a JSON schema's required shape. */
function sampleOf(schema: unknown): unknown {
  if (!isObject(schema)) return null
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0]
  switch (schema['type']) {
    case 'object': {
      const properties = isObject(schema['properties']) ? schema['properties'] : {}
      const required = Array.isArray(schema['required']) ? schema['required'] : Object.keys(properties)
      return Object.fromEntries(required.filter((k): k is string => typeof k === 'string').map((k) => [k, sampleOf(properties[k])]))
    }
    case 'string':
      return 'Scripted session'
    case 'number':
    case 'integer':
      return 0
    case 'boolean':
      return false
    case 'array':
      return []
    default:
      return null
  }
}
