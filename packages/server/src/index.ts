// @claude-agent/server: embed the relay in your own process.
export { startServer, type RunningServer, type StartServerOptions } from './app.js'
export { settingsFromEnv, sandboxKindFrom, defaultDataDir, databasePath, SettingsError, type ServerSettings } from './settings.js'
export { ServerError } from './errors.js'
export { createLogger, type Logger, type LogLevel } from './logger.js'
export type { AgentFactory, AgentRun, AgentStartOptions } from './agent/agent.js'
export { claudeSdkAgentFactory } from './agent/claude-sdk.js'
export type { EventLog, EventFrame, SequencedFrame, SessionRecord, SessionStore, Store, StoredEvent } from './event-log/event-log.js'
export { SqliteStore } from './event-log/sqlite-store.js'
export { PostgresStore } from './event-log/postgres-store.js'
export { newSessionRecord } from './event-log/rows.js'
export type { AppendFence } from './event-log/event-log.js'
export { Session } from './sessions/session.js'
export { SessionManager, DEFAULT_SESSION_ID } from './sessions/session-manager.js'
export { Workspace, type WorkspacePath } from './files/workspace-path.js'
export {
  spawnInSession,
  sandboxedSpawner,
  commandEnv,
  type ExecTarget,
  type SessionSpawner,
  type SpawnInSessionOptions,
} from './exec/spawn.js'
export type { Sandbox, SandboxKind, SandboxRun, SandboxSpec, CommandLine, SandboxErrorCode } from './sandbox/sandbox.js'
export { SandboxError, SANDBOX_KINDS } from './sandbox/sandbox.js'
export { BubblewrapSandbox, type BubblewrapOptions } from './sandbox/bubblewrap.js'
export { NoSandbox } from './sandbox/none.js'
export { createSandbox } from './app.js'
export { verifyWebhookSignature, signWebhook, type VerifyOptions, type WebhookVerification } from './webhooks/signature.js'
export { WEBHOOK_EVENTS, type WebhookEvent, type WebhookEventType } from './webhooks/events.js'
export type { WebhookHook, WebhookSettings } from './webhooks/config.js'
export type { DeliveryInfo, HookInfo, WebhookView } from './webhooks/dispatcher.js'
export type { Delivery, DeliveryAttempt, DeliveryLog, DeliveryStatus } from './event-log/delivery-log.js'
