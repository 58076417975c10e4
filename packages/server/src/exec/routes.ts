// POST /sessions/:id/exec: run a command in a session's sandbox and stream its output as
// NDJSON. The command starts before the answer does: a command that cannot start is a plain
// HTTP error (EXEC_FAILED), never a half-written stream. See docs/files.md.
import type { ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import { posix, relative, sep } from 'node:path'
import { ExecRequestSchema, describeIssues, summarizeIssues, type ExecRequest } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { AuditDetail, AuditLog } from '../audit/audit-log.js'
import { httpActor } from '../audit/actor.js'
import { jsonBodyLimit, readJsonBody } from '../http/body.js'
import type { RouteModule } from '../http/http-app.js'
import { streamResponse } from '../http/stream.js'
import type { Logger } from '../logger.js'
import type { Session } from '../sessions/session.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { isInside } from '../paths.js'
import { principalOf } from '../tenancy/http-gate.js'
import type { LiveSockets } from '../tenancy/live-sockets.js'
import { checkSocketQuota } from '../tenancy/socket-quota.js'
import { commandOutput, killGroup } from './output.js'
import { spawnInSession, type ExecTarget, type SessionSpawner } from './spawn.js'

/** @default 10 minutes */
export const DEFAULT_EXEC_TIMEOUT_MS = 600_000

export interface ExecRoutesOptions {
  sessions: SessionManager
  audit: AuditLog
  maxBodyBytes: number
  logger: Logger
  /** @default spawnInSession (unsandboxed; the server passes sandboxedSpawner(sandbox)) */
  spawn?: SessionSpawner
  /** Where a running command is access held: its token revoked (or its JWT expired), it is killed. */
  live?: LiveSockets
  /** Commands, WebSockets and live lists a member or viewer may hold open at once
   * (MAX_SOCKETS_PER_PRINCIPAL, counted in `live`); 0: no limit. @default 0 */
  maxSocketsPerPrincipal?: number
}

/** Where a command runs, as real paths (symlinks resolved now, at the moment of use): the
 * session's directory (its cwd in its own workspace), which the sandbox binds, and the
 * command's `cwd`, relative to and inside it. */
function commandDirs(session: Session, cwd: string | undefined): { sessionDir: string; cwd: string } {
  const { workspace } = session
  const base = relative(workspace.root, session.cwd).split(sep).join('/') || '.'
  const sessionDir = workspace.directorySync(base, { create: true })
  if (cwd === undefined) return { sessionDir, cwd: sessionDir }
  const outside = () =>
    new ServerError('PATH_OUTSIDE_WORKSPACE', `cwd "${cwd.slice(0, 256)}" leaves the session's directory (${base})`, {
      path: cwd.slice(0, 256),
    })
  const rel = posix.normalize(posix.join(base, cwd)).replace(/\/+$/, '') || '.'
  if (base !== '.' && rel !== base && !rel.startsWith(`${base}/`)) throw outside()
  const real = workspace.directorySync(cwd, { base })
  if (!isInside(real, sessionDir)) throw outside()
  return { sessionDir, cwd: real }
}

/** What the audit log keeps of a command: never its script, arguments, environment or input,
 * which may hold secrets; a program's name only. */
function execDetail(request: ExecRequest): AuditDetail {
  return {
    shell: request.shell === true,
    ...(!request.shell && { program: posix.basename(request.command).slice(0, 64) }),
    args: request.args?.length ?? 0,
    ...(request.cwd !== undefined && { cwd: request.cwd }),
  }
}

/** The program exec runs: bash for a shell command line. */
const commandOf = (request: ExecRequest): string => (request.shell ? '/bin/bash' : request.command)

/** Spawns the request's command in the session's directory; throws a ServerError for a cwd
 * that cannot be used, or what spawn throws. */
function start(session: Session, request: ExecRequest, spawner: SessionSpawner): ChildProcess {
  const { sessionDir, cwd } = commandDirs(session, request.cwd)
  const target: ExecTarget = { id: session.id, cwd: sessionDir, stateDir: session.stateDir, limits: session.postedConfig.limits }
  // With a shell, args follow the command line as $1, $2, ... ($0 is "bash").
  const args = request.shell ? ['-c', request.command, 'bash', ...(request.args ?? [])] : (request.args ?? [])
  return spawner(target, commandOf(request), args, { cwd, env: request.env ?? {} })
}

function parseRequest(body: unknown): ExecRequest {
  const parsed = ExecRequestSchema.safeParse(body)
  if (!parsed.success) {
    const issues = describeIssues(parsed.error)
    throw new ServerError('INVALID_REQUEST', `Invalid exec request: ${summarizeIssues(issues)}`, { issues })
  }
  return parsed.data
}

export function execRoutes(options: ExecRoutesOptions): RouteModule {
  const spawner = options.spawn ?? spawnInSession
  return (app) => {
    app.post('/sessions/:id/exec', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      if (options.sessions.shuttingDown) throw new ServerError('SHUTTING_DOWN', 'The server is shutting down')
      const session = options.sessions.get(c.req.param('id'))
      const request = parseRequest(await readJsonBody(c))
      // Held before anything is made: a session deleted while the body arrived is
      // SESSION_NOT_FOUND (its directories are not made again), and a delete later kills it.
      let child: ChildProcess | undefined
      let stream: Readable | undefined
      let stopped = false
      let cut: string | undefined
      const release = session.holdCommand(() => {
        stopped = true
        if (child) killGroup(child)
      })
      let untrack: () => void = () => undefined
      try {
        // A running command holds its connection as long as a WebSocket does: counted with them.
        // Checked and added in one synchronous step, so commands racing each other see each other.
        if (options.live) {
          const principal = principalOf(c)
          checkSocketQuota(options.live, principal, options.maxSocketsPerPrincipal ?? 0)
          untrack = options.live.add({
            principal,
            sessionId: session.id,
            socket: true,
            // Destroying the stream kills the command's process group (commandOutput) and cuts the answer.
            close: (reason) => {
              if (stream) return void stream.destroy(new Error(`access ended: ${reason}`))
              cut = reason
              if (child) killGroup(child)
            },
          })
        }
        // Recorded before it runs, or not run: a command must never run unrecorded (an audit
        // store that fails answers STORE_FAILED). A command that then cannot start stays on record.
        await options.audit.recordFirst(httpActor(c), 'exec', session.id, execDetail(request))
        // Deleted while the entry was written: nothing of it may start.
        if (stopped) throw new ServerError('SESSION_NOT_FOUND', `No session with id "${session.id}"`)
        // Its access ended meanwhile (the connection is cut already): nothing starts.
        if (cut !== undefined) throw new ServerError('UNAUTHORIZED', `Access ended: ${cut}`)
        child = start(session, request, spawner)
        await new Promise<void>((resolve, reject) => {
          child!.once('spawn', resolve)
          child!.once('error', reject)
        })
      } catch (err) {
        untrack()
        release()
        if (err instanceof ServerError) throw err
        const errno = (err as NodeJS.ErrnoException).code
        throw new ServerError('EXEC_FAILED', `Cannot run ${JSON.stringify(commandOf(request).slice(0, 256))}: ${errno ?? String(err)}`, {
          errno,
        })
      }
      child.once('close', release)
      child.on('error', () => undefined) // later errors (a failed kill) change nothing for the reader
      stream = commandOutput(child, {
        timeoutMs: request.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
        encoding: request.encoding ?? 'utf8',
        stdin: request.stdin,
      })
      // Its place is free again however it ends: the command exited and its answer was sent, the
      // client went away, the stream failed, or the connection was cut.
      stream.once('close', untrack)
      c.env?.outgoing?.once('close', untrack)
      // Access that ended while it started: the stream did not exist for close() to destroy.
      if (cut !== undefined) stream.destroy(new Error(`access ended: ${cut}`))
      return streamResponse(c, stream, { 'content-type': 'application/x-ndjson; charset=utf-8' }, options.logger)
    })
  }
}
