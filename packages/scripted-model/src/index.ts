// @claude-agent/scripted-model: an offline, deterministic stand-in for the Anthropic Messages
// API as the Claude Code CLI uses it, driven by scenarios (data) for tests and demos.
export { startScriptedModel } from './server.js'
export type { ScriptedModel, StartOptions } from './server.js'
export { loadScenario, demoScenario, demoScenarioUrl } from './load.js'
export { validateScenario, validateReply, ScenarioError } from './validate.js'
export { DEFAULT_FALLBACK } from './scenario.js'
export type {
  Scenario,
  Script,
  ScriptMatch,
  PromptMatcher,
  Reply,
  ReplyStep,
  ReplyFn,
  ReplyBlock,
  ReplyError,
  TextBlock,
  ToolUseBlock,
  StopReason,
  Usage,
  ModelRequest,
} from './scenario.js'
export type { UnusedReply } from './conversation.js'
export type { RecordedRequest, RequestKind } from './recorder.js'
export type { MessagesRequestBody, RequestMessage, RequestBlock } from './request.js'
