// `client.control` (and `session.control`): live control, written once for everything that can
// send a control request (the client and an attached session). The result types describe what
// the server relays from the Claude Code CLI; fields a newer CLI adds pass through.
import type { ControlRequest, PermissionMode } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import type { ControlOptions } from './channel.js'

/** When a mode or model change takes effect: at once, or when the next turn starts a fresh CLI. */
export type AppliedAt = 'now' | 'next_turn'

export interface PermissionModeChange {
  permissionMode: PermissionMode
  applied: AppliedAt
}

export interface ModelChange {
  /** The model asked for; undefined: the default. */
  model?: string
  applied: AppliedAt
}

/** A slash command the CLI offers (`list_commands`). */
export interface SlashCommand {
  name: string
  description: string
  argumentHint?: string
  [field: string]: unknown
}

/** A model the CLI offers (`list_models`). */
export interface ModelInfo {
  /** The id to pass to setModel(). */
  value: string
  displayName: string
  description: string
  [field: string]: unknown
}

/** An MCP server and its connection status (`list_mcp_servers`). */
export interface McpServerStatus {
  name: string
  /** e.g. `connected`, `failed`, `pending`, `needs-auth`, `disabled`. */
  status: string
  error?: string
  [field: string]: unknown
}

/** Sends one control request on a connection and resolves with its result. */
export type ControlSender = (request: ControlRequest, options?: ControlOptions) => Promise<unknown>

/**
 * `setPermissionMode`, `setModel`, `listCommands`, `listModels`, `listMcpServers` on top of
 * one `request()`. Each resolves with the server's `control_response` result, or rejects
 * `CONTROL_FAILED` (the server's error in `wireError`), `CONTROL_LOST` (the connection dropped
 * before the answer), `NOT_CONNECTED` or `CLIENT_STOPPED`.
 */
export class ControlApi {
  constructor(private readonly sender: ControlSender) {}

  /** Send any control request and resolve with its raw result. */
  async request(request: ControlRequest, options?: ControlOptions): Promise<unknown> {
    return this.sender(request, options)
  }

  /** Change the session's permission mode (stored with the session; survives restarts). */
  async setPermissionMode(mode: PermissionMode, options?: ControlOptions): Promise<PermissionModeChange> {
    return (await this.request({ subtype: 'set_permission_mode', mode }, options)) as PermissionModeChange
  }

  /** Change the model; without an argument, go back to the default. */
  async setModel(model?: string, options?: ControlOptions): Promise<ModelChange> {
    const request: ControlRequest = model === undefined ? { subtype: 'set_model' } : { subtype: 'set_model', model }
    return (await this.request(request, options)) as ModelChange
  }

  /** The CLI's slash commands (starts the session's CLI if none runs). */
  async listCommands(options?: ControlOptions): Promise<SlashCommand[]> {
    return list<SlashCommand>('list_commands', await this.request({ subtype: 'list_commands' }, options))
  }

  /** The models the CLI offers. */
  async listModels(options?: ControlOptions): Promise<ModelInfo[]> {
    return list<ModelInfo>('list_models', await this.request({ subtype: 'list_models' }, options))
  }

  /** Each configured MCP server with its status. */
  async listMcpServers(options?: ControlOptions): Promise<McpServerStatus[]> {
    return list<McpServerStatus>('list_mcp_servers', await this.request({ subtype: 'list_mcp_servers' }, options))
  }
}

/** `client.control`: the helpers, and callable itself as before (`client.control(request)` = `request()`). */
export type Control = { [K in keyof ControlApi]: ControlApi[K] } & ControlSender

export function createControl(sender: ControlSender): Control {
  // Bound copies, so `const { setModel } = client.control` works as the flat methods did.
  const api = new ControlApi(sender)
  return Object.assign((request: ControlRequest, options?: ControlOptions) => api.request(request, options), {
    request: api.request.bind(api),
    setPermissionMode: api.setPermissionMode.bind(api),
    setModel: api.setModel.bind(api),
    listCommands: api.listCommands.bind(api),
    listModels: api.listModels.bind(api),
    listMcpServers: api.listMcpServers.bind(api),
  })
}

function list<T>(subtype: string, result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  throw new ClaudeAgentClientError('INVALID_SERVER_FRAME', `The ${subtype} result is not a list`)
}
