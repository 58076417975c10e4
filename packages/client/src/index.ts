// @claude-agent/client: drive a claude-agent-server (the Claude Agent SDK over a WebSocket).
export { ClaudeAgentClient } from './client.js'
export { DEFAULT_CONNECT_TIMEOUT_MS, type ClaudeAgentClientOptions, type ProviderChoice } from './options.js'
export { SessionConnection } from './session/connection.js'
export type { PromptInput, PromptOptions } from './session/prompt.js'
export type {
  PermissionAnswer,
  PermissionDecision,
  PermissionHandler,
  PermissionRequest,
  PermissionResolvedHandler,
} from './session/permissions.js'
export type { ControlOptions } from './control/channel.js'
export {
  ControlApi,
  type AppliedAt,
  type Control,
  type ControlSender,
  type McpServerStatus,
  type ModelChange,
  type ModelInfo,
  type PermissionModeChange,
  type SlashCommand,
} from './control/control.js'
export { FlatAliases } from './aliases.js'
export { Files, type TargetSource, type WorkspaceTarget } from './files/files.js'
export { Commands } from './exec/commands.js'
export type { FileData } from './files/content.js'
export type { FileRequestOptions, ListFilesOptions, MakeDirOptions, ReadFileOptions, RemoveFileOptions } from './files/api.js'
export { FilesystemEventType, type FilesystemEvent } from './files/events.js'
export type { FilesystemEventHandler, WatchHandle, WatchOptions } from './files/watch.js'
export type { ExecOptions, ExecResult } from './exec/exec.js'
export { DEFAULT_RECONNECT, type ReconnectOptions } from './session/backoff.js'
export type { ConnectionChange, ConnectionChangeHandler, ConnectionState, ErrorHandler, MessageHandler } from './session/hub.js'
export { DEFAULT_MESSAGE_BUFFER, type MessagesOptions } from './session/message-stream.js'
export { SessionsApi, type AttachOptions } from './sessions-api.js'
export { TokensApi } from './tokens-api.js'
export type { HistoryOptions, SessionDetails, SessionHistory } from './http/sessions.js'
export {
  CLIENT_ERROR_CODES,
  ClaudeAgentClientError,
  isClaudeAgentClientError,
  type ClaudeAgentClientErrorOptions,
  type ClientErrorCode,
} from './errors.js'
export type { ConfigResponse } from './http/config.js'
export type { GetConfigResponse, PostConfigResponse } from '@claude-agent/protocol'
export { deriveServerUrls, type ServerUrls } from './urls.js'
export type { SandboxInfo, SandboxProvider, ServerEndpoint } from './providers/provider.js'
export { UrlProvider, type UrlProviderOptions } from './providers/url.js'
// The local and E2B providers need Node (and `e2b`): import them from `@claude-agent/client/local`
// and `@claude-agent/client/e2b`; the client loads them itself for `provider: 'local' | 'e2b'`.
export type { LocalProviderOptions } from './providers/local.js'
export type { E2BProviderOptions } from './providers/e2b.js'
export type { CredentialOptions } from './providers/credentials.js'
export { UpgradeRefusedError, type Transport, type TransportCloseEvent } from './transport/transport.js'
export { WebSocketTransport, type WebSocketConstructor, type WebSocketLike, type WebSocketTransportOptions } from './transport/websocket.js'

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
  type ControlRequest,
  type ControlResponseFrame,
  type CreateSessionRequest,
  type Decider,
  type ErrorCode,
  type ErrorFrame,
  type FileEntry,
  type FileType,
  type InfoFrame,
  type InterruptFrame,
  type IssueDetail,
  type MakeDirResponse,
  type PermissionMode,
  type PermissionRequestFrame,
  type PermissionResolvedFrame,
  type PermissionResponseFrame,
  type PermissionScope,
  type QueryConfig,
  type ReceivedErrorCode,
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
