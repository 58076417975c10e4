// The file API over HTTP: list, stat, read, write, mkdir, delete, all relative to the
// workspace root and checked by one resolver (workspace-path.ts). See docs/files.md.
import { mkdir, rm, rmdir, stat, unlink } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Context } from 'hono'
import type { DeleteFileResponse, FileEntryResponse, ListFilesResponse, MakeDirResponse } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { HttpEnv, RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import { streamResponse } from '../http/stream.js'
import type { Logger } from '../logger.js'
import { readContent, writeContent, type Quota } from './content.js'
import { entryOf, fsError, listEntries, statEntry } from './entries.js'
import { flagParam, pathParam } from './query.js'
import { directoryUsage, type UsageCache } from './usage.js'
import type { Workspace, WorkspacePath } from './workspace-path.js'

export interface FileRoutesOptions {
  workspace: Workspace
  /** Largest file a PUT accepts; larger ones get BODY_TOO_LARGE. */
  maxFileBytes: number
  logger: Logger
  /** The size limit of the directory these routes serve (the session's `limits.workspace`).
   * @default none */
  workspaceLimit?: () => number
  /** Told each measurement (the session's info shows the usage). */
  usage?: UsageCache
}

/** What a write to `abs` may add: the limit, less what the directory holds, plus the file it replaces. */
async function quotaFor(root: string, abs: string, limitBytes: number, usage: UsageCache | undefined): Promise<Quota> {
  const usedBytes = await directoryUsage(root)
  usage?.set(root, usedBytes)
  const replaced = await stat(abs).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  )
  return {
    allowanceBytes: limitBytes - usedBytes + replaced,
    full: (bytes) =>
      new ServerError(
        'WORKSPACE_FULL',
        `Writing ${bytes} bytes would take the workspace over its limit: ${usedBytes} of ${limitBytes} bytes are used`,
        {
          usedBytes,
          limitBytes,
        },
      ),
  }
}

async function makeDir({ rel, abs }: WorkspacePath, parents: boolean): Promise<MakeDirResponse> {
  let created: boolean
  try {
    created = parents ? (await mkdir(abs, { recursive: true })) !== undefined : (await mkdir(abs), true)
  } catch (err) {
    throw fsError(err, rel)
  }
  return { entry: entryOf(rel, await statEntry(rel, abs)), created }
}

async function remove({ rel, abs }: WorkspacePath, recursive: boolean): Promise<DeleteFileResponse> {
  if (rel === '.') {
    throw new ServerError('INVALID_REQUEST', 'The workspace root cannot be deleted', {
      issues: [{ path: 'path', message: 'the workspace root' }],
    })
  }
  const stats = await statEntry(rel, abs)
  try {
    // rm never follows symlinks: deleting a link removes the link, not what it points to.
    if (!stats.isDirectory()) await unlink(abs)
    else if (recursive) await rm(abs, { recursive: true })
    else await rmdir(abs)
  } catch (err) {
    throw fsError(err, rel)
  }
  return { deleted: rel }
}

export function fileRoutes({ workspace, maxFileBytes, logger, workspaceLimit, usage }: FileRoutesOptions): RouteModule {
  const url = (c: Context) => new URL(c.req.url)
  return (app) => {
    app.get('/files', async (c) => {
      const path = await workspace.resolve(pathParam(url(c)))
      const stats = await stat(path.abs).catch((err: unknown) => {
        throw fsError(err, path.rel)
      })
      if (!stats.isDirectory()) throw new ServerError('NOT_A_DIRECTORY', `${path.rel} is not a directory`, { path: path.rel })
      const listing = await listEntries(path.rel, path.abs, flagParam(url(c), 'recursive'))
      return jsonResponse<ListFilesResponse>({ path: path.rel, ...listing })
    })
    app.get('/files/stat', async (c) => {
      const path = await workspace.resolve(pathParam(url(c)))
      return jsonResponse<FileEntryResponse>({ entry: entryOf(path.rel, await statEntry(path.rel, path.abs)) })
    })
    app.get('/files/content', async (c) => {
      const { stream, headers } = await readContent(await workspace.resolve(pathParam(url(c), { required: true })))
      return streamResponse(c, stream, headers, logger)
    })
    app.put('/files/content', async (c) => {
      const body = requestBody(c)
      const path = await workspace.resolve(pathParam(url(c), { required: true })).catch((err: unknown) => {
        body.resume()
        throw err
      })
      const limit = workspaceLimit?.()
      const quota = limit === undefined ? undefined : await quotaFor(workspace.root, path.abs, limit, usage)
      const { entry, created } = await writeContent(
        path,
        { body, declaredBytes: declaredLength(c), aborted: () => aborted(c) },
        maxFileBytes,
        quota,
      )
      return jsonResponse<FileEntryResponse>({ entry }, created ? 201 : 200)
    })
    app.post('/files/mkdir', async (c) => {
      const result = await makeDir(await workspace.resolve(pathParam(url(c), { required: true })), flagParam(url(c), 'parents'))
      return jsonResponse<MakeDirResponse>(result, result.created ? 201 : 200)
    })
    app.delete('/files', async (c) => {
      return jsonResponse<DeleteFileResponse>(
        await remove(await workspace.resolve(pathParam(url(c), { required: true })), flagParam(url(c), 'recursive')),
      )
    })
  }
}

/** The upload's bytes: on Node the request itself (streamed, never buffered), else the fetch body. */
function requestBody(c: Context<HttpEnv>): Readable {
  if (c.env?.incoming) return c.env.incoming
  const body = c.req.raw.body
  return body ? Readable.fromWeb(body as import('node:stream/web').ReadableStream) : Readable.from([])
}

function declaredLength(c: Context): number | undefined {
  const declared = Number(c.req.header('content-length'))
  return Number.isFinite(declared) ? declared : undefined
}

/** The client went away before its upload was complete. */
function aborted(c: Context<HttpEnv>): boolean {
  const incoming = c.env?.incoming
  return incoming ? incoming.destroyed && !incoming.complete : c.req.raw.signal.aborted
}
