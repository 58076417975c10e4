// The query config of the original protocol (`POST /config`), validated strictly so a
// typo or a wrong type is a 400 that names the field instead of a silently ignored option.
import { z } from 'zod'
import { SessionLimitsSchema } from './limits.js'
import { sessionSettingProblem } from './credentials.js'
import { OsStringSchema } from './os-string.js'

export const PERMISSION_MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk', 'auto'] as const
export const PermissionModeSchema = z.enum(PERMISSION_MODES)
export type PermissionMode = z.infer<typeof PermissionModeSchema>

export const SystemPromptSchema = z.union([
  z.string(),
  z.strictObject({
    type: z.literal('preset'),
    preset: z.literal('claude_code'),
    append: z.string().optional(),
  }),
])
export type SystemPrompt = z.infer<typeof SystemPromptSchema>

/** An MCP server the agent may use: a local process (stdio) or a remote endpoint. */
export const McpServerConfigSchema = z.union([
  z.strictObject({
    type: z.literal('stdio').optional(),
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    /** Secret values possible: returned redacted. */
    env: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({
    type: z.enum(['sse', 'http']),
    url: z.url(),
    /** Secret values possible (tokens): returned redacted. */
    headers: z.record(z.string(), z.string()).optional(),
  }),
])
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>

export const SETTING_SOURCES = ['user', 'project', 'local'] as const

/** `lean`: the measured switches that cut the CLI's work per turn (docs/sessions.md#the-lean-profile). */
export const AGENT_PROFILES = ['default', 'lean'] as const
export const AgentProfileSchema = z.enum(AGENT_PROFILES)
export type AgentProfile = z.infer<typeof AgentProfileSchema>

/** Claude Code's own settings for this session's CLI (e.g. `CLAUDE_CODE_DISABLE_ATTACHMENTS`):
 * never a credential, an endpoint or the operator's telemetry (see sessionSettingProblem). */
export const AgentEnvSchema = z.record(z.string(), OsStringSchema).superRefine((env, ctx) => {
  for (const name of Object.keys(env)) {
    const problem = sessionSettingProblem(name)
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: `${name} ${problem}` })
  }
})

/** A custom sub-agent: the fields of the SDK's `AgentDefinition`. Other fields (such as the
 * original README's `name`) are dropped, and the answer names them (`droppedAgentFields`). */
export const AgentDefinitionSchema = z.object({
  /** When to use this agent. */
  description: z.string(),
  /** The agent's system prompt. @default its description (the original did not require one) */
  prompt: z.string().optional(),
  tools: z.array(z.string()).optional(),
  disallowedTools: z.array(z.string()).optional(),
  model: z.string().optional(),
  /** Names of the session's MCP servers, or inline ones (secret values: returned redacted). */
  mcpServers: z.array(z.union([z.string(), z.record(z.string(), McpServerConfigSchema)])).optional(),
  skills: z.array(z.string()).optional(),
  initialPrompt: z.string().optional(),
  maxTurns: z.number().int().positive().optional(),
  autoCompactWindow: z.number().int().positive().optional(),
  background: z.boolean().optional(),
  omitClaudeMd: z.boolean().optional(),
  memory: z.enum(['user', 'project', 'local']).optional(),
  effort: z.union([z.enum(['low', 'medium', 'high', 'xhigh', 'max']), z.number()]).optional(),
  permissionMode: PermissionModeSchema.optional(),
  criticalSystemReminder_EXPERIMENTAL: z.string().optional(),
  observer: z.string().optional(),
  observerMessage: z.string().optional(),
})
export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>

const AGENT_FIELDS = new Set(Object.keys(AgentDefinitionSchema.shape))
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The paths of the fields inside `agents` that parsing drops (e.g. `agents.myAgent.name`),
 * from the config as posted; `prefix` for a config nested in a body (`config.`). */
export function droppedAgentFields(config: unknown, prefix = ''): string[] {
  if (!isRecord(config) || !isRecord(config['agents'])) return []
  return Object.entries(config['agents']).flatMap(([name, agent]) =>
    isRecord(agent)
      ? Object.keys(agent)
          .filter((key) => !AGENT_FIELDS.has(key))
          .map((key) => `${prefix}agents.${name}.${key}`)
      : [],
  )
}

/** Agents as the SDK needs them: every one with a prompt (its description when none was given). */
export function withDefaultPrompts(agents: Record<string, AgentDefinition>): Record<string, AgentDefinition & { prompt: string }> {
  return Object.fromEntries(Object.entries(agents).map(([name, agent]) => [name, { ...agent, prompt: agent.prompt ?? agent.description }]))
}

export const QueryConfigSchema = z.strictObject({
  agents: z.record(z.string(), AgentDefinitionSchema).optional(),
  // These three reach the CLI's command line: a NUL byte would fail every start of the session.
  allowedTools: z.array(OsStringSchema).optional(),
  disallowedTools: z.array(OsStringSchema).optional(),
  systemPrompt: SystemPromptSchema.optional(),
  model: OsStringSchema.min(1).optional(),
  /** Secret: accepted for compatibility with the original, never returned. */
  anthropicApiKey: z.string().min(1).optional(),
  /** Defaults to `bypassPermissions` on the original protocol, as the original ran. */
  permissionMode: PermissionModeSchema.optional(),
  maxTurns: z.number().int().positive().optional(),
  /** Stop a prompt's work once it has cost this many US dollars. */
  maxBudgetUsd: z.number().positive().optional(),
  mcpServers: z.record(z.string().min(1), McpServerConfigSchema).optional(),
  /** Which Claude Code settings files to load. @default none (isolated from the host's) */
  settingSources: z.array(z.enum(SETTING_SOURCES)).optional(),
  /** Send partial messages (token stream events) to this session's clients by default.
   * A client can also ask for them itself (`?partial=1`). They are live only, never logged. */
  includePartialMessages: z.boolean().optional(),
  /** The session sandbox's memory, processes, CPU share and directory size (docs/limits.md).
   * @default the server's SESSION_* settings; raising one above them is for admins */
  limits: SessionLimitsSchema.optional(),
  /** Claude Code settings passed to the CLI's environment (no credential). */
  env: AgentEnvSchema.optional(),
  /** @default the server's AGENT_PROFILE, else `default` */
  profile: AgentProfileSchema.optional(),
  /** `false`: the CLI keeps no transcript (a few ms less per turn), so the conversation lasts
   * as long as its CLI process: after an idle release, a restart or a config change that
   * restarts the CLI, the agent starts a new one (the session's event log keeps everything).
   * @default true */
  persistSession: z.boolean().optional(),
})
export type QueryConfig = z.infer<typeof QueryConfigSchema>

/** A workspace name several sessions may share: letters, digits, `_`, `-` and `.`, starting with
 * a letter or digit, so never `/`, `..` or NUL. */
export const WorkspaceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "-" and ".", starting with a letter or digit, 1 to 64 characters')

/** Where a session works: its own directory (the default), or a named one shared by every
 * session that names it. */
export const WorkspaceChoiceSchema = z.strictObject({
  /** Share the directory `shared/<name>` with the other sessions that name it. */
  shared: WorkspaceNameSchema,
})
export type WorkspaceChoice = z.infer<typeof WorkspaceChoiceSchema>

/** Fields of QueryConfig that hold secrets. */
export const SECRET_CONFIG_FIELDS = ['anthropicApiKey'] as const
export const REDACTED = '[redacted]'

const redactValues = (record: Record<string, string>) => Object.fromEntries(Object.keys(record).map((key) => [key, REDACTED]))

/** A copy of the config that is safe to return or log: secrets replaced by `[redacted]`,
 * including every MCP server env value and header value. */
export function redactConfig<T extends QueryConfig>(config: T): T {
  const copy: T = { ...config }
  for (const field of SECRET_CONFIG_FIELDS) {
    if (copy[field] !== undefined) copy[field] = REDACTED
  }
  if (copy.mcpServers) copy.mcpServers = redactServers(copy.mcpServers)
  if (copy.agents) {
    copy.agents = Object.fromEntries(
      Object.entries(copy.agents).map(([name, agent]) => [
        name,
        agent.mcpServers
          ? { ...agent, mcpServers: agent.mcpServers.map((spec) => (typeof spec === 'string' ? spec : redactServers(spec))) }
          : agent,
      ]),
    )
  }
  return copy
}

function redactServers(servers: Record<string, McpServerConfig>): Record<string, McpServerConfig> {
  return Object.fromEntries(
    Object.entries(servers).map(([name, server]) => [
      name,
      'env' in server && server.env
        ? { ...server, env: redactValues(server.env) }
        : 'headers' in server && server.headers
          ? { ...server, headers: redactValues(server.headers) }
          : server,
    ]),
  )
}
