// Checks a scenario when it is loaded, so a typo fails loudly with the path of the bad field
// instead of surfacing later as a puzzling CLI turn. Unknown keys are errors for that reason.
import { isObject } from './request.js'
import { STOP_REASONS } from './scenario.js'
import type { Reply, Scenario } from './scenario.js'

/** Thrown for an invalid scenario or reply; `issues` lists every problem as `path: what`. */
export class ScenarioError extends Error {
  readonly code = 'SCENARIO_INVALID'
  constructor(readonly issues: string[]) {
    super(`Invalid scenario:\n  ${issues.join('\n  ')}`)
    this.name = 'ScenarioError'
  }
}

type Issues = string[]

/** Validates a scenario (JSON or TS object) and returns it typed; throws ScenarioError. */
export function validateScenario(value: unknown): Scenario {
  const issues: Issues = []
  if (!isObject(value)) throw new ScenarioError(['scenario: expected an object with a "scripts" array'])
  onlyKeys(value, ['name', 'scripts', 'fallback'], 'scenario', issues)
  optionalString(value['name'], 'name', issues)
  if (!Array.isArray(value['scripts'])) issues.push('scripts: expected an array')
  else value['scripts'].forEach((s, i) => checkScript(s, `scripts[${i}]`, issues))
  if (value['fallback'] !== undefined) checkStep(value['fallback'], 'fallback', issues)
  if (issues.length > 0) throw new ScenarioError(issues)
  return value as unknown as Scenario
}

/** Validates one reply (e.g. what a reply function returned); throws ScenarioError. */
export function validateReply(value: unknown, path: string): Reply {
  const issues: Issues = []
  checkReply(value, path, issues)
  if (issues.length > 0) throw new ScenarioError(issues)
  return value as Reply
}

function checkScript(script: unknown, path: string, issues: Issues): void {
  if (!isObject(script)) return void issues.push(`${path}: expected an object`)
  onlyKeys(script, ['name', 'match', 'repeat', 'replies'], path, issues)
  optionalString(script['name'], `${path}.name`, issues)
  if (script['repeat'] !== undefined && typeof script['repeat'] !== 'boolean') {
    issues.push(`${path}.repeat: expected a boolean`)
  }
  if (script['match'] !== undefined) checkMatch(script['match'], `${path}.match`, issues)
  const replies = script['replies']
  if (!Array.isArray(replies) || replies.length === 0) issues.push(`${path}.replies: expected a non-empty array`)
  else replies.forEach((r, i) => checkStep(r, `${path}.replies[${i}]`, issues))
}

function checkMatch(match: unknown, path: string, issues: Issues): void {
  if (!isObject(match)) return void issues.push(`${path}: expected an object`)
  onlyKeys(match, ['prompt', 'sessionId'], path, issues)
  optionalString(match['sessionId'], `${path}.sessionId`, issues)
  const prompt = match['prompt']
  if (prompt === undefined || typeof prompt === 'string' || prompt instanceof RegExp) return
  if (!isObject(prompt) || typeof prompt['regex'] !== 'string') {
    return void issues.push(`${path}.prompt: expected a string, a RegExp or {regex, flags?}`)
  }
  onlyKeys(prompt, ['regex', 'flags'], `${path}.prompt`, issues)
  try {
    new RegExp(prompt['regex'], typeof prompt['flags'] === 'string' ? prompt['flags'] : undefined)
  } catch (error) {
    issues.push(`${path}.prompt: bad regex (${(error as Error).message})`)
  }
}

function checkStep(step: unknown, path: string, issues: Issues): void {
  if (typeof step === 'function') return // checked when it runs
  checkReply(step, path, issues)
}

function checkReply(reply: unknown, path: string, issues: Issues): void {
  if (!isObject(reply)) return void issues.push(`${path}: expected a reply object`)
  onlyKeys(reply, ['content', 'stopReason', 'delayMs', 'chunkDelayMs', 'chunkSize', 'error', 'usage'], path, issues)
  for (const key of ['delayMs', 'chunkDelayMs'] as const) {
    const v = reply[key]
    if (v !== undefined && !(typeof v === 'number' && v >= 0)) issues.push(`${path}.${key}: expected a number >= 0`)
  }
  const size = reply['chunkSize']
  if (size !== undefined && !(Number.isInteger(size) && (size as number) >= 1)) {
    issues.push(`${path}.chunkSize: expected an integer >= 1`)
  }
  const stop = reply['stopReason']
  if (stop !== undefined && !STOP_REASONS.includes(stop as never)) {
    issues.push(`${path}.stopReason: expected one of ${STOP_REASONS.join(', ')}`)
  }
  if (reply['usage'] !== undefined) checkUsage(reply['usage'], `${path}.usage`, issues)
  const hasError = reply['error'] !== undefined
  if (hasError) checkError(reply['error'], `${path}.error`, issues)
  if (hasError && reply['content'] !== undefined) issues.push(`${path}: use either "content" or "error", not both`)
  if (!hasError) checkContent(reply['content'], `${path}.content`, issues)
}

function checkContent(content: unknown, path: string, issues: Issues): void {
  if (!Array.isArray(content) || content.length === 0) {
    return void issues.push(`${path}: expected a non-empty array of blocks (or give "error")`)
  }
  content.forEach((block: unknown, i) => {
    const at = `${path}[${i}]`
    if (!isObject(block)) return void issues.push(`${at}: expected a block object`)
    if (block['type'] === 'text') {
      onlyKeys(block, ['type', 'text'], at, issues)
      if (typeof block['text'] !== 'string') issues.push(`${at}.text: expected a string`)
    } else if (block['type'] === 'tool_use') {
      onlyKeys(block, ['type', 'name', 'input', 'id'], at, issues)
      if (typeof block['name'] !== 'string' || block['name'] === '') issues.push(`${at}.name: expected a non-empty string`)
      if (!isObject(block['input'])) issues.push(`${at}.input: expected an object`)
      optionalString(block['id'], `${at}.id`, issues)
    } else {
      issues.push(`${at}.type: expected "text" or "tool_use"`)
    }
  })
}

function checkError(error: unknown, path: string, issues: Issues): void {
  if (!isObject(error)) return void issues.push(`${path}: expected {status, type, message}`)
  onlyKeys(error, ['status', 'type', 'message'], path, issues)
  const status = error['status']
  if (!(Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599)) {
    issues.push(`${path}.status: expected an HTTP error status (400-599)`)
  }
  if (typeof error['type'] !== 'string') issues.push(`${path}.type: expected a string`)
  if (typeof error['message'] !== 'string') issues.push(`${path}.message: expected a string`)
}

function checkUsage(usage: unknown, path: string, issues: Issues): void {
  if (!isObject(usage)) return void issues.push(`${path}: expected an object`)
  const keys = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']
  onlyKeys(usage, keys, path, issues)
  for (const key of keys) {
    const v = usage[key]
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0)) issues.push(`${path}.${key}: expected an integer >= 0`)
  }
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], path: string, issues: Issues): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) issues.push(`${path}: unknown key "${key}" (allowed: ${allowed.join(', ')})`)
  }
}

function optionalString(value: unknown, path: string, issues: Issues): void {
  if (value !== undefined && typeof value !== 'string') issues.push(`${path}: expected a string`)
}
