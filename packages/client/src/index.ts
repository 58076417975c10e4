// @claude-agent/client: drive a claude-agent-server (the Claude Agent SDK over a WebSocket).
export {
  ClaudeAgentClient,
  type ErrorHandler,
  type MessageHandler,
  type PromptInput,
  type PromptOptions,
} from './client.js'
export { DEFAULT_CONNECT_TIMEOUT_MS, type ClaudeAgentClientOptions } from './options.js'
export {
  CLIENT_ERROR_CODES,
  ClaudeAgentClientError,
  isClaudeAgentClientError,
  type ClaudeAgentClientErrorOptions,
  type ClientErrorCode,
} from './errors.js'
export type { ConfigResponse } from './http/config.js'
export { deriveServerUrls, type ServerUrls } from './urls.js'
export type { SandboxProvider } from './providers/provider.js'
export { UrlProvider } from './providers/url.js'
export type { Transport, TransportCloseEvent } from './transport/transport.js'
export {
  WebSocketTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './transport/websocket.js'

// The wire types and helpers users need, so they need not depend on the protocol package.
export {
  ERROR_CODES,
  FRAME,
  assistantText,
  isAssistantMessage,
  isResultMessage,
  isStreamEvent,
  isSystemMessage,
  type AgentDefinition,
  type ClientFrame,
  type ConnectedFrame,
  type ErrorCode,
  type ErrorFrame,
  type InfoFrame,
  type InterruptFrame,
  type IssueDetail,
  type PermissionMode,
  type QueryConfig,
  type SdkAssistantMessage,
  type SdkMessage,
  type SdkMessageFrame,
  type SdkResultMessage,
  type SdkStreamEvent,
  type SdkSystemMessage,
  type ServerFrame,
  type SystemPrompt,
  type UserMessage,
  type UserMessageFrame,
  type WireError,
} from '@claude-agent/protocol'
