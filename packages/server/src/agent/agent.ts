// The narrow interface the server depends on to run an agent. The Claude Agent SDK adapter
// (claude-sdk.ts) is the one implementation; nothing else imports the SDK.
import type { ControlRequest, QueryConfig, SdkMessage, UserMessage } from '@claude-agent/protocol'

/** A tool call Claude Code wants to make, waiting for a decision. */
export interface PermissionAsk {
  toolName: string
  input: Record<string, unknown>
  toolUseId?: string | undefined
  agentId?: string | undefined
  suggestions?: unknown[] | undefined
  title?: string | undefined
  description?: string | undefined
  decisionReason?: string | undefined
  /** Aborted when the turn ends before a decision (interrupt, failure). */
  signal: AbortSignal
}

export type PermissionAnswer = { behavior: 'allow'; updatedInput: Record<string, unknown> } | { behavior: 'deny'; message: string }

/** Control requests the CLI answers (interrupt has its own method). */
export type AgentControl = Exclude<ControlRequest, { subtype: 'interrupt' }>
import type { SandboxRun } from '../sandbox/sandbox.js'

export interface AgentStartOptions {
  /** The config bound to this run; it does not change while the run lives. */
  config: QueryConfig
  /** Working directory of the agent and its tools. */
  cwd: string
  /** The complete environment of the CLI process (it replaces, not extends, ours). */
  env: Record<string, string>
  /** Isolation of the CLI process: the run wraps the CLI's command line with it, and closes it
   * once the process has exited (or when the run is closed without one). */
  sandbox?: SandboxRun
  /** The conversation id (a UUID), fixed up front so it survives restarts. */
  conversationId: string
  /** Continue the conversation's transcript instead of starting it. */
  resume: boolean
  /** One line the CLI wrote to stderr. */
  onStderr: (line: string) => void
  /** Decides tool calls when the permission mode asks. */
  canUseTool: (ask: PermissionAsk) => Promise<PermissionAnswer>
}

/** One live CLI process serving one conversation. */
export interface AgentRun {
  /** Every SDK message, in order; ends when the process ends (throws if it failed). */
  readonly messages: AsyncIterable<SdkMessage>
  /** Queue a prompt; the CLI answers prompts in order. */
  send(message: UserMessage): void
  /** Stop the turn in progress; the run stays usable. */
  interrupt(): Promise<void>
  /** Change the mode or model, or list commands, models, MCP servers. */
  control(request: AgentControl): Promise<unknown>
  /** End the run: close input, then stop the process. Resolves once the process has exited
   * (so its transcript is complete), or after a few seconds at most. */
  close(): Promise<void>
  /** The CLI's process id once spawned. */
  readonly pid: number | undefined
}

export interface AgentFactory {
  start(options: AgentStartOptions): AgentRun
  /** Whether a conversation has a transcript the CLI can resume. */
  canResume(env: Record<string, string>, conversationId: string): boolean
}
