// @claude-agent/client: drive a claude-agent-server (the Claude Agent SDK over a WebSocket).
export { ClaudeAgentClient } from './client.js'
export { DEFAULT_CONNECT_TIMEOUT_MS, type ClaudeAgentClientOptions } from './options.js'
export { SessionConnection } from './session/connection.js'
export type { PromptInput, PromptOptions } from './session/prompt.js'
export { DEFAULT_RECONNECT, type ReconnectOptions } from './session/backoff.js'
export type {
  ConnectionChange,
  ConnectionChangeHandler,
  ConnectionState,
  ErrorHandler,
  MessageHandler,
} from './session/hub.js'
export { DEFAULT_MESSAGE_BUFFER, type MessagesOptions } from './session/message-stream.js'
export { SessionsApi, type AttachOptions } from './sessions-api.js'
export type { HistoryOptions, SessionDetails, SessionHistory } from './http/sessions.js'
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
export { UpgradeRefusedError, type Transport, type TransportCloseEvent } from './transport/transport.js'
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
  type CreateSessionRequest,
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
  type SessionConfig,
  type SessionInfo,
  type SessionState,
  type SessionStateFrame,
  type SystemPrompt,
  type UserMessage,
  type UserMessageFrame,
  type WireError,
} from '@claude-agent/protocol'
