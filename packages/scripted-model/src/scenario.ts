// What a scenario is. Scenarios are data (JSON files) with two TypeScript-only extras:
// RegExp matchers and reply functions that can assert on the request.
import type { MessagesRequestBody } from './request.js'

/** A text block of a reply. `{{prompt}}` and `{{toolResult}}` are substituted. */
export interface TextBlock {
  type: 'text'
  text: string
}

/** A tool call. `id` defaults to a generated `toolu_...`; placeholders work in string inputs. */
export interface ToolUseBlock {
  type: 'tool_use'
  name: string
  input: Record<string, unknown>
  id?: string
}

export type ReplyBlock = TextBlock | ToolUseBlock

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'pause_turn' | 'refusal'

/** Answer with an HTTP error in the Anthropic shape `{type:'error', error:{type, message}}`. */
export interface ReplyError {
  /** HTTP status, e.g. 400, 429, 500, 529. */
  status: number
  /** Anthropic error type, e.g. `overloaded_error`. */
  type: string
  message: string
}

export interface Usage {
  input_tokens?: number
  output_tokens?: number
  cache_creation_input_tokens?: number
  cache_read_input_tokens?: number
}

/** One answer to one API request. Either `content` or `error`. */
export interface Reply {
  content?: ReplyBlock[]
  /** @default 'tool_use' when content has a tool_use block, else 'end_turn' */
  stopReason?: StopReason
  /** Wait before sending the response headers. @default 0 */
  delayMs?: number
  /** Wait between streamed deltas, so a test can interrupt mid-answer. @default 0 */
  chunkDelayMs?: number
  /** Split each block's text (or tool input JSON) into deltas of this many characters. @default whole block */
  chunkSize?: number
  error?: ReplyError
  /** Merged over the default usage. */
  usage?: Usage
}

/** What a reply function sees: the request plus what the scripted model derived from it. */
export interface ModelRequest {
  body: MessagesRequestBody
  /** Request headers, credentials redacted. */
  headers: Record<string, string>
  sessionId: string | undefined
  /** The prompt that started this conversation turn. */
  prompt: string
  /** Text of the tool results in the last user message ('' on a new prompt). */
  toolResult: string
  /** Index of this reply in its script (0 for the request carrying the prompt). */
  replyIndex: number
}

/** A reply computed from the request. Throwing (e.g. a failed assert) answers HTTP 500 and is recorded in `failures`. */
export type ReplyFn = (request: ModelRequest) => Reply | Promise<Reply>

export type ReplyStep = Reply | ReplyFn

/** A substring (case-sensitive), a RegExp (TS only), or `{regex, flags}` (JSON). */
export type PromptMatcher = string | RegExp | { regex: string; flags?: string }

export interface ScriptMatch {
  prompt?: PromptMatcher
  /** Exact `x-claude-code-session-id`. */
  sessionId?: string
}

/** The replies for one prompt: one per API request of that turn. */
export interface Script {
  /** Shown in `unusedReplies()` and recorded requests. @default `scripts[<index>]` */
  name?: string
  /** @default matches every prompt */
  match?: ScriptMatch
  /** Selectable again after use (demos). Otherwise a script plays once. @default false */
  repeat?: boolean
  replies: ReplyStep[]
}

/**
 * A list of scripts tried in order for each new prompt, and a fallback reply.
 *
 * @example
 * const scenario: Scenario = {
 *   scripts: [
 *     { match: { prompt: 'hello' }, replies: [{ content: [{ type: 'text', text: 'Hi!' }] }] },
 *     { replies: [
 *       { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'ls' } }] },
 *       { content: [{ type: 'text', text: 'Listed: {{toolResult}}' }] },
 *     ] },
 *   ],
 *   fallback: { content: [{ type: 'text', text: 'You said: {{prompt}}' }] },
 * };
 */
export interface Scenario {
  name?: string
  scripts: Script[]
  /** Used when no script matches or a script ran out of replies. @default text `You said: {{prompt}}` */
  fallback?: ReplyStep
}

export const DEFAULT_FALLBACK: Reply = { content: [{ type: 'text', text: 'You said: {{prompt}}' }] }

export const STOP_REASONS: readonly StopReason[] = ['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'pause_turn', 'refusal']
