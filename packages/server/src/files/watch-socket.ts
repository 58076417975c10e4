// WebSocket /files/watch?path=&recursive=1 (the default session's workspace) and
// /sessions/:id/files/watch (the session's): a `watching` frame once the watcher is in place,
// then one `file_event` frame per change. The path is checked before the upgrade (a bad one is
// an HTTP error in the wire shape); the watcher lives exactly as long as the socket.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { CLOSE_CODES, type ErrorFrame, type WatchFrame } from '@claude-agent/protocol'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Logger } from '../logger.js'
import { decodeComponent } from '../http/request-target.js'
import { DEFAULT_SESSION_ID } from '../sessions/workspace-layout.js'
import { heartbeat } from '../ws/heartbeat.js'
import { refuseHandshakeErrorsAsJson, type UpgradeRoute } from '../ws/upgrade.js'
import { fsError } from './entries.js'
import { flagParam, pathParam } from './query.js'
import { holdDir } from './held-dir.js'
import { DirectoryWatcher } from './watcher.js'
import type { Workspace, WorkspacePath } from './workspace-path.js'

export interface WatchSocketOptions {
  /** The workspace of a session (throws SESSION_NOT_FOUND). */
  workspaceOf: (sessionId: string) => Workspace
  /** A client with more than this many bytes unsent is cut off (SLOW_CONSUMER). */
  maxClientBufferBytes: number
  /** Ping every this often, terminating a peer that is gone (ws/heartbeat.ts); 0: never. @default 0 */
  pingIntervalMs?: number
  logger: Logger
}

export interface WatchEndpoint extends UpgradeRoute {
  /** Closes every watch socket and its watcher (server shutdown). */
  close(): void
}

const SCOPED_WATCH = /^\/sessions\/([^/]+)\/files\/watch$/

/** The session whose workspace a watch path names; undefined: not a watch path. */
function sessionOfPath(pathname: string): string | undefined {
  if (pathname === '/files/watch') return DEFAULT_SESSION_ID
  const match = SCOPED_WATCH.exec(pathname)
  return match ? decodeComponent(match[1]!, 'path') : undefined
}

export function watchEndpoint(options: WatchSocketOptions): WatchEndpoint {
  // Long on purpose: the upgrade, the watcher and the socket's close share one connection's state; the steps read in order.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  refuseHandshakeErrorsAsJson(wss)
  const watchers = new Set<DirectoryWatcher>()

  /** One socket, one watcher: events out, the watcher closed with the socket. */
  const attach = (socket: WebSocket, path: WorkspacePath, realRoot: string, recursive: boolean) => {
    const send = (frame: WatchFrame) => {
      if (socket.readyState !== socket.OPEN) return
      if (socket.bufferedAmount > options.maxClientBufferBytes) {
        const error: ErrorFrame = { type: 'error', code: 'SLOW_CONSUMER', error: 'Cut off: too many file events unread' }
        socket.send(JSON.stringify(error))
        socket.close(CLOSE_CODES.slowConsumer, 'SLOW_CONSUMER')
        watcher.close()
        return
      }
      socket.send(JSON.stringify(frame))
    }
    const watcher = new DirectoryWatcher(path, realRoot, {
      recursive,
      onEvent: send,
      onRootGone: () => {
        send({ type: 'file_event', event: 'remove', path: path.rel })
        socket.close(CLOSE_CODES.gone, 'watched directory removed')
      },
      onError: (err) => watcherFailed(socket, err),
    })
    watchers.add(watcher)
    socket.on('close', () => {
      watcher.close()
      watchers.delete(watcher)
    })
    socket.on('error', (err) => options.logger.debug(`watch socket error: ${err.message}`))
    watcher.start().then(
      () => send({ type: 'watching', path: path.rel, recursive }),
      (err: unknown) => watcherFailed(socket, err),
    )
  }

  const watcherFailed = (socket: WebSocket, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err)
    options.logger.warn(`file watch failed: ${message}`)
    const errno = (err as NodeJS.ErrnoException).code
    const frame: ErrorFrame = { type: 'error', code: 'WATCH_FAILED', error: `Cannot watch: ${message}`, ...(errno && { data: { errno } }) }
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
    socket.close(CLOSE_CODES.internal, 'WATCH_FAILED')
  }

  return {
    matches: (pathname) => sessionOfPath(pathname) !== undefined,
    async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
      const sessionId = sessionOfPath(url.pathname) ?? DEFAULT_SESSION_ID
      const workspace = options.workspaceOf(sessionId)
      const path = await workspace.resolve(pathParam(url))
      const recursive = flagParam(url, 'recursive')
      const dir = await holdDir(workspace, path.rel).catch((err: unknown) => {
        throw fsError(err, path.rel)
      })
      await dir.close()
      const realRoot = await workspace.real()
      wss.handleUpgrade(req, socket, head, (ws) => {
        heartbeat(ws, options.pingIntervalMs ?? 0)
        attach(ws, path, realRoot, recursive)
      })
    },
    close() {
      for (const watcher of watchers) watcher.close()
      watchers.clear()
      for (const client of wss.clients) client.close(CLOSE_CODES.shuttingDown, 'server shutting down')
      wss.close()
    },
  }
}
