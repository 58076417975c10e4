// The one door to the Claude Agent SDK: maps our AgentStartOptions onto query() in
// streaming-input mode and spawns the CLI ourselves so we know its pid and read its stderr.
import { spawn, type StdioOptions } from 'node:child_process'
import { lstatSync, opendirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import {
  query,
  type CanUseTool,
  type McpServerConfig,
  type Options,
  type SDKUserMessage,
  type SpawnOptions,
  type SpawnedProcess,
} from '@anthropic-ai/claude-agent-sdk'
import { withDefaultPrompts, type SdkMessage, type UserMessage } from '@claude-agent/protocol'
import type { AgentControl, AgentFactory, AgentRun, AgentStartOptions } from './agent.js'
import { profileSwitches } from './profile.js'
import { PushQueue } from './push-queue.js'

function toSdkOptions(o: AgentStartOptions, spawnProcess: Options['spawnClaudeCodeProcess']): Options {
  const { config } = o
  const mode = config.permissionMode ?? 'default'
  const switches = profileSwitches(config.profile)
  const options: Options = {
    cwd: o.cwd,
    env: o.env,
    permissionMode: mode,
    // The CLI refuses bypass mode unless this flag is passed; pass it only when bypassing.
    allowDangerouslySkipPermissions: mode === 'bypassPermissions',
    spawnClaudeCodeProcess: spawnProcess,
    // The CLI echoes each prompt (with its uuid) as it starts it, so clients can tell which
    // prompt a turn answers even when several clients share a session.
    extraArgs: { 'replay-user-messages': null },
    // On unless the profile says otherwise: which clients receive token events is decided per
    // connection.
    includePartialMessages: switches.partialMessages,
  }
  if (switches.tools) options.tools = switches.tools
  if (o.resume) options.resume = o.conversationId
  else options.sessionId = o.conversationId
  if (config.model !== undefined) options.model = config.model
  if (config.systemPrompt !== undefined) options.systemPrompt = config.systemPrompt
  if (config.allowedTools !== undefined) options.allowedTools = config.allowedTools
  if (config.disallowedTools !== undefined) options.disallowedTools = config.disallowedTools
  if (config.agents !== undefined) options.agents = withDefaultPrompts(config.agents) as Options['agents']
  if (config.maxTurns !== undefined) options.maxTurns = config.maxTurns
  if (config.maxBudgetUsd !== undefined) options.maxBudgetUsd = config.maxBudgetUsd
  if (config.mcpServers !== undefined) {
    options.mcpServers = config.mcpServers as Record<string, McpServerConfig>
    // In the initialize request: on the command line their env and headers (tokens) were
    // readable by every user of the host (ps) and by the agent's tools (/proc).
    options.mcpServersDelivery = 'initialize'
  }
  if (config.settingSources !== undefined) options.settingSources = config.settingSources
  if (config.persistSession === false) options.persistSession = false
  options.canUseTool = toSdkCanUseTool(o.canUseTool)
  return options
}

function toSdkCanUseTool(decide: AgentStartOptions['canUseTool']): CanUseTool {
  return async (toolName, input, o) => {
    const answer = await decide({
      toolName,
      input,
      toolUseId: o.toolUseID,
      agentId: o.agentID,
      suggestions: o.suggestions,
      title: o.title,
      description: o.description,
      decisionReason: o.decisionReason,
      signal: o.signal,
    })
    return answer.behavior === 'allow'
      ? { behavior: 'allow', updatedInput: answer.updatedInput, toolUseID: o.toolUseID }
      : { behavior: 'deny', message: answer.message, toolUseID: o.toolUseID }
  }
}

function toSdkUserMessage(message: UserMessage, conversationId: string): SDKUserMessage {
  return {
    ...message,
    type: 'user',
    session_id: conversationId,
    parent_tool_use_id: message.parent_tool_use_id ?? null,
  } as SDKUserMessage
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // the group is empty already
  }
}

async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  const done = await Promise.race([exited.then(() => true), timeout])
  clearTimeout(timer)
  return done
}

class ClaudeSdkRun implements AgentRun {
  readonly messages: AsyncIterable<SdkMessage>
  pid: number | undefined
  private exited: Promise<void> = Promise.resolve()
  private readonly input = new PushQueue<SDKUserMessage>()
  private readonly query: ReturnType<typeof query>

  constructor(private readonly options: AgentStartOptions) {
    this.query = query({ prompt: this.input, options: toSdkOptions(options, (s) => this.spawn(s)) })
    this.messages = this.query as AsyncIterable<SdkMessage>
  }

  private spawn(s: SpawnOptions): SpawnedProcess {
    // In a sandbox the process we start (and whose pid we report) is bwrap, with the CLI inside.
    const sandbox = this.options.sandbox
    const { command, args, ipc, fds = [] } = sandbox?.wrap(s.command, s.args, { ipc: true }) ?? { ...s, ipc: false }
    const child = spawn(command, args, {
      cwd: s.cwd,
      env: s.env,
      // The sandbox may hand the model port's listener over a channel (bubblewrap.ts), and
      // binds the directories it checked from descriptors it gives.
      stdio: [...(ipc ? (['pipe', 'pipe', 'pipe', 'ipc'] as const) : (['pipe', 'pipe', 'pipe'] as const)), ...fds] as StdioOptions,
      signal: s.signal,
      // Its own process group: a terminal's Ctrl-C reaches the server only, which then lets
      // the running turn finish (graceful shutdown) instead of losing the CLI at once.
      detached: true,
    })
    this.pid = child.pid
    if (ipc) sandbox?.spawned?.(child)
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve())
      child.once('error', () => resolve())
    })
    // Whatever the CLI left in its group (without bwrap: tools it started) goes with it.
    void this.exited.then(() => killGroup(child.pid))
    void this.exited.then(() => this.options.sandbox?.close())
    // Without a listener a failed spawn (ENOENT, EACCES) would crash the server.
    child.on('error', (err) => this.options.onStderr(`failed to run the Claude Code CLI: ${err.message}`))
    createInterface({ input: child.stderr! }).on('line', (line) => this.options.onStderr(line))
    return child as unknown as SpawnedProcess
  }

  send(message: UserMessage): void {
    this.input.push(toSdkUserMessage(message, this.options.conversationId))
  }

  async interrupt(): Promise<void> {
    await this.query.interrupt()
  }

  async control(request: AgentControl): Promise<unknown> {
    switch (request.subtype) {
      case 'set_permission_mode':
        return this.query.setPermissionMode(request.mode)
      case 'set_model':
        return this.query.setModel(request.model)
      case 'list_commands':
        return this.query.supportedCommands()
      case 'list_models':
        return this.query.supportedModels()
      case 'list_mcp_servers':
        return this.query.mcpServerStatus()
    }
  }

  async close(): Promise<void> {
    if (!this.input.isClosed) {
      this.input.close()
      this.query.close()
    }
    // The SDK force-kills a CLI that ignores stdin EOF after ~2 s; wait a little longer. A
    // wedged (e.g. stopped) process survives that: kill its process group (bwrap
    // takes everything inside with it), so a run ended by the session never lingers.
    if (!(await exitsWithin(this.exited, 5_000))) {
      killGroup(this.pid)
      await exitsWithin(this.exited, 2_000)
    }
    await this.options.sandbox?.close()
  }
}

/** Entries of the transcripts directory looked at, at most. The CLI makes one a working
 * directory (a session has one, or a few); the agent can make a million, and listing them all
 * held the event loop every session shares for 6 s at each start of that session's CLI (which the
 * agent can end at will). A transcript buried past them is not resumed: the session starts anew. */
export const MAX_PROJECT_DIRS = 1024

export const claudeSdkAgentFactory: AgentFactory = {
  start: (options) => new ClaudeSdkRun(options),

  canResume(env, conversationId) {
    // The CLI keeps transcripts at $CLAUDE_CONFIG_DIR/projects/<mangled cwd>/<id>.jsonl.
    const configDir = env['CLAUDE_CONFIG_DIR']
    if (!configDir) return false
    // The agent writes this directory: what it put there (a file, a link to a host directory)
    // means no transcript, never a failed start, and the server does not follow its links.
    const projects = join(configDir, 'projects')
    try {
      if (!lstatSync(projects).isDirectory()) return false
      // Read a few names at a time, and only so many (see MAX_PROJECT_DIRS).
      const listing = opendirSync(projects)
      try {
        for (let seen = 0; seen < MAX_PROJECT_DIRS; seen++) {
          const dir = listing.readSync()
          if (!dir) return false
          const transcript = join(projects, dir.name, `${conversationId}.jsonl`)
          if (dir.isDirectory() && lstatSync(transcript, { throwIfNoEntry: false })?.isFile() === true) return true
        }
        return false
      } finally {
        listing.closeSync()
      }
    } catch {
      return false
    }
  },
}
