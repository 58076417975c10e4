// watchDir(): the server's `/files/watch` WebSocket as a callback per change. Resolves once the
// server says `watching` (changes from then on are reported); a bad path is refused before the
// upgrade with the server's code (`PATH_OUTSIDE_WORKSPACE`, `FILE_NOT_FOUND`, `NOT_A_DIRECTORY`).
import type { WireError } from '@claude-agent/protocol'
import { CLOSE_CODES, FILES_FRAME, FRAME, WireErrorSchema, parseWatchFrame } from '@claude-agent/protocol'
import { deadlineSignal, raceAbort } from '../abort.js'
import { ClaudeAgentClientError } from '../errors.js'
import { filesRoute, type FilesTarget } from './api.js'
import { UpgradeRefusedError, type TransportCloseEvent } from '../transport/transport.js'
import { WebSocketTransport } from '../transport/websocket.js'
import { loggableUrl, wsEndpoint } from '../urls.js'
import { toFilesystemEvent, type FilesystemEvent } from './events.js'

export interface WatchOptions {
  /** Also every directory below, including ones created later. @default false */
  recursive?: boolean
  /** The server ended the watch (directory removed, watcher failed, shutdown, connection lost); not called after stop(). */
  onExit?: (error: ClaudeAgentClientError) => void
  /** Aborting gives up on starting the watch. */
  signal?: AbortSignal
}

export interface WatchHandle {
  /** End the watch. Idempotent. */
  stop(): Promise<void>
}

export type FilesystemEventHandler = (event: FilesystemEvent) => void | Promise<void>

export interface WatchTarget extends FilesTarget {
  /** How long to wait for the `watching` frame. */
  timeoutMs: number
  /** A handler threw (HANDLER_FAILED) or a frame did not parse. */
  reportError(error: ClaudeAgentClientError): void
}

const CLOSE_REASONS: Record<number, WireError> = {
  [CLOSE_CODES.gone]: { code: 'FILE_NOT_FOUND', error: 'The watched directory was removed' },
  [CLOSE_CODES.shuttingDown]: { code: 'SHUTTING_DOWN', error: 'The server is shutting down' },
}

export async function watchDir(
  target: WatchTarget,
  path: string,
  onEvent: FilesystemEventHandler,
  options: WatchOptions,
): Promise<WatchHandle> {
  // Long on purpose: the socket's handlers and the start-up race share the watch's state (root, last error, stopped); split, it would be passed around.
  const url = wsEndpoint(target.baseUrl, filesRoute(target, '/files/watch'), { path, recursive: options.recursive ? 1 : undefined })
  const transport = new WebSocketTransport({ url, ...(target.token !== undefined && { token: target.token }) })
  let root: string | undefined
  let lastError: WireError | undefined
  let stopped = false
  let ready!: { resolve(): void; reject(error: ClaudeAgentClientError): void }
  const watching = new Promise<void>((resolve, reject) => (ready = { resolve, reject }))
  watching.catch(() => {})

  const deliver = (event: FilesystemEvent) => {
    const failed = (error: unknown) => {
      const message = `A watchDir handler threw on ${event.path}: ${error instanceof Error ? error.message : String(error)}`
      target.reportError(new ClaudeAgentClientError('HANDLER_FAILED', message, { cause: error }))
    }
    try {
      Promise.resolve(onEvent(event)).catch(failed)
    } catch (error) {
      failed(error)
    }
  }
  transport.onmessage = (text) => {
    const parsed = parseWatchFrame(text)
    if (!parsed.ok) {
      target.reportError(
        new ClaudeAgentClientError('INVALID_SERVER_FRAME', `A watch frame does not parse: ${parsed.error.error}`, {
          wireError: parsed.error,
        }),
      )
      return
    }
    const frame = parsed.value
    if (frame.type === FILES_FRAME.watching) {
      root = frame.path
      ready.resolve()
    } else if (frame.type === FILES_FRAME.fileEvent && root !== undefined) deliver(toFilesystemEvent(frame, root))
    else if (frame.type === FRAME.error)
      lastError = { code: frame.code, error: frame.error, ...(frame.data !== undefined && { data: frame.data }) }
  }
  transport.onclose = (event: TransportCloseEvent) => {
    const wireError = lastError ?? CLOSE_REASONS[event.code]
    const why = wireError ? `${wireError.code}: ${wireError.error}` : `code ${event.code}`
    const error = new ClaudeAgentClientError('CONNECTION_CLOSED', `The watch of ${path} ended (${why})`, {
      ...(wireError && { wireError }),
    })
    if (root === undefined) ready.reject(error)
    else if (!stopped) options.onExit?.(error)
  }

  target.log(`watching ${loggableUrl(url)}`)
  const deadline = deadlineSignal(target.timeoutMs, ...(options.signal ? [options.signal] : []))
  try {
    await raceAbort(transport.start(), deadline).catch((error: unknown) => {
      throw refusal(error, path)
    })
    await raceAbort(watching, deadline)
  } catch (error) {
    stopped = true
    await transport.close().catch(() => undefined)
    if (deadline.aborted && options.signal?.aborted) throw options.signal.reason
    if (deadline.aborted)
      throw new ClaudeAgentClientError('CONNECTION_FAILED', `The watch of ${path} did not start within ${target.timeoutMs} ms`)
    throw error
  }
  return {
    async stop() {
      stopped = true
      await transport.close()
    },
  }
}

/** A refused upgrade as the file API's errors: 401 `CONNECTION_FAILED`, else `REQUEST_FAILED`, with the server's code. */
function refusal(error: unknown, path: string): ClaudeAgentClientError {
  if (error instanceof ClaudeAgentClientError) return error
  if (error instanceof UpgradeRefusedError) {
    const parsed = WireErrorSchema.safeParse(error.body)
    const wireError = parsed.success ? parsed.data : undefined
    const code = error.status === 401 ? 'CONNECTION_FAILED' : 'REQUEST_FAILED'
    const why = wireError ? `${wireError.code}: ${wireError.error}` : `HTTP ${error.status}`
    return new ClaudeAgentClientError(code, `Cannot watch ${path}: ${why}`, { cause: error, ...(wireError && { wireError }) })
  }
  const reason = error instanceof Error ? error.message : String(error)
  return new ClaudeAgentClientError('CONNECTION_FAILED', `Cannot watch ${path}: ${reason}`, { cause: error })
}
