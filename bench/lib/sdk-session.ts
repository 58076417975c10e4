// The baseline: the same CLI driven by the SDK in this process, with the server's recipe
// (packages/server/src/agent/agent-env.ts for the environment, claude-sdk.ts for the options
// and the spawn), so the only difference from a server session is the relay itself.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import {
  query,
  startup,
  type Options,
  type Query,
  type SDKMessage,
  type SDKUserMessage,
  type SpawnedProcess,
} from '@anthropic-ai/claude-agent-sdk'
import { now } from './clock.js'
import { BENCH_API_KEY } from './model.js'
import type { AgentProfile } from '@claude-agent/protocol'
import { PushQueue, buildAgentEnv, profileSwitches } from '@claude-agent/server/internals'

/** The CLI environment the server builds for a session (its own buildAgentEnv), with its own state dir. */
export function agentEnv(stateDir: string, modelUrl: string, profile?: AgentProfile): Record<string, string> {
  return buildAgentEnv({
    agentVars: { ANTHROPIC_BASE_URL: modelUrl, ANTHROPIC_API_KEY: BENCH_API_KEY, CLAUDE_CODE_MAX_RETRIES: '0' },
    config: { permissionMode: 'bypassPermissions', ...(profile && { profile }) },
    stateDir,
  })
}

/** A message as it reached this process, with the time it did. */
export interface Timed {
  at: number
  message: SDKMessage
}

export interface SdkSession {
  /** The CLI's pid once spawned. */
  readonly pid: number | undefined
  /** Every message so far, timestamped on arrival. */
  readonly received: Timed[]
  send(prompt: string): void
  /** Resolves with the first message after index `from` that matches. */
  next(match: (m: SDKMessage) => boolean, from?: number): Promise<Timed>
  close(): Promise<void>
}

export interface SdkSessionOptions {
  modelUrl: string
  /** Start the CLI ahead with the SDK's startup() before the first prompt. @default false */
  prewarm?: boolean
  /** The agent profile's switches, as the server applies them. @default 'default' */
  profile?: AgentProfile
  /** More variables for the CLI, over the server's recipe (bench/tools/cli-switches.ts). */
  env?: Record<string, string>
  /** More SDK options, over the server's recipe (e.g. `persistSession: false`). */
  sdkOptions?: Partial<Options>
}

/** Starts a streaming-input query as the server does; the CLI spawns at once (or after startup()). */
export async function startSdkSession(options: SdkSessionOptions): Promise<SdkSession> {
  const dir = mkdtempSync(join(tmpdir(), 'cas-bench-sdk-'))
  const workspace = join(dir, 'workspace')
  mkdirSync(workspace)
  const input = new PushQueue<SDKUserMessage>()
  const conversationId = randomUUID()
  let pid: number | undefined
  let exited: Promise<void> = Promise.resolve()
  const switches = profileSwitches(options.profile)
  const sdkOptions: Options = {
    cwd: workspace,
    env: { ...agentEnv(join(dir, 'state'), options.modelUrl, options.profile), ...options.env },
    permissionMode: 'bypassPermissions',
    allowDangerouslySkipPermissions: true,
    extraArgs: { 'replay-user-messages': null },
    includePartialMessages: switches.partialMessages,
    ...(switches.tools && { tools: switches.tools }),
    sessionId: conversationId,
    spawnClaudeCodeProcess: (s) => {
      const child = spawn(s.command, s.args, { cwd: s.cwd, env: s.env, stdio: ['pipe', 'pipe', 'pipe'], signal: s.signal })
      pid = child.pid
      exited = new Promise((resolve) => child.once('exit', () => resolve()))
      child.stderr.resume()
      child.on('error', () => undefined)
      return child as unknown as SpawnedProcess
    },
    ...options.sdkOptions,
  }
  const q: Query = options.prewarm ? (await startup({ options: sdkOptions })).query(input) : query({ prompt: input, options: sdkOptions })

  const received: Timed[] = []
  const waiters = new Set<() => void>()
  let failure: unknown
  let ended = false
  void (async () => {
    try {
      for await (const message of q) {
        received.push({ at: now(), message })
        for (const w of waiters) w()
      }
    } catch (err) {
      failure = err
    }
    ended = true
    for (const w of waiters) w()
  })()

  return {
    get pid() {
      return pid
    },
    received,
    send(prompt) {
      input.push({ type: 'user', session_id: conversationId, parent_tool_use_id: null, message: { role: 'user', content: prompt } })
    },
    async next(match, from = 0) {
      for (;;) {
        for (let i = from; i < received.length; i++) if (match(received[i]!.message)) return received[i]!
        if (ended) throw new Error(`the SDK query ended (${String(failure ?? 'no error')}) before the expected message`)
        from = received.length
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake)
            resolve()
          }
          waiters.add(wake)
        })
      }
    },
    async close() {
      input.close()
      q.close()
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())])
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
    },
  }
}

export const isInit = (m: SDKMessage): boolean => m.type === 'system' && m.subtype === 'init'
export const isResult = (m: SDKMessage): boolean => m.type === 'result'
