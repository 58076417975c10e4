// The file API over HTTP: list, stat, read, write, mkdir, delete, all relative to a session's
// workspace root and checked by one resolver (workspace-path.ts). `/files...` serves the
// default session's workspace, `/sessions/:id/files...` the session's. See docs/files.md.
import { lstat, mkdir, rmdir, stat, unlink } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Context } from 'hono'
import type { DeleteFileResponse, FileEntryResponse, ListFilesResponse, MakeDirResponse } from '@claude-agent/protocol'
import type { AuditDetail, AuditLog } from '../audit/audit-log.js'
import { httpActor } from '../audit/actor.js'
import { ServerError } from '../errors.js'
import { DEFAULT_SESSION_ID } from '../sessions/workspace-layout.js'
import type { HttpApp, HttpEnv, RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import { streamResponse } from '../http/stream.js'
import type { Logger } from '../logger.js'
import { readContent, writeContent, type Quota } from './content.js'
import { entryOf, fsError, listEntries, statEntry } from './entries.js'
import { flagParam, pathParam } from './query.js'
import { directoryUsage, type UsageCache } from './usage.js'
import { HeldDir, holdDir, holdEntry, type HeldEntry } from './held-dir.js'
import type { Workspace, WorkspacePath } from './workspace-path.js'
import { removeTreeIn } from '../remove-tree.js'
import { principalOf } from '../tenancy/http-gate.js'
import type { LiveSockets } from '../tenancy/live-sockets.js'

export interface FileRoutesOptions {
  /** The workspace of a session (throws SESSION_NOT_FOUND). */
  workspaceOf: (sessionId: string) => Workspace
  audit: AuditLog
  /** Largest file a PUT accepts; larger ones get BODY_TOO_LARGE. */
  maxFileBytes: number
  logger: Logger
  /** The size limit of a session's directory (its `limits.workspace`). @default none */
  workspaceLimit?: (sessionId: string) => number
  /** Told each measurement (the session's info shows the usage). */
  usage?: UsageCache
  /** Where a download is access held: its token revoked (or its JWT expired), it is cut. */
  live?: LiveSockets
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

async function makeDir(ws: Workspace, { rel }: WorkspacePath, parents: boolean): Promise<MakeDirResponse> {
  const entry = await holdEntry(ws, rel, { create: parents }).catch((err: unknown) => {
    throw fsError(err, rel)
  })
  try {
    let created = true
    await mkdir(entry.path).catch(async (err: unknown) => {
      // With parents, a directory (or a link to one inside) that is already there is fine.
      const there = parents && (err as NodeJS.ErrnoException).code === 'EEXIST' && (await isHeldDir(entry))
      if (!there) throw err
      created = false
    })
    return { entry: entryOf(rel, await lstat(entry.path)), created }
  } catch (err) {
    throw fsError(err, rel)
  } finally {
    await entry.dir.close()
  }
}

/** Whether the entry is a directory, or a link to one inside the workspace. */
async function isHeldDir(entry: HeldEntry): Promise<boolean> {
  const dir = await HeldDir.open(entry.dir.realRoot, entry.path, entry.name).catch(() => undefined)
  await dir?.close()
  return dir !== undefined
}

async function remove(ws: Workspace, { rel }: WorkspacePath, recursive: boolean): Promise<DeleteFileResponse> {
  if (rel === '.') {
    throw new ServerError('INVALID_REQUEST', 'The workspace root cannot be deleted', {
      issues: [{ path: 'path', message: 'the workspace root' }],
    })
  }
  const entry = await holdEntry(ws, rel).catch((err: unknown) => {
    throw fsError(err, rel)
  })
  try {
    // Never through a link: deleting a link removes the link, not what it points to.
    const stats = await lstat(entry.path)
    if (!stats.isDirectory()) await unlink(entry.path)
    else if (recursive) await removeTreeIn(entry.dir.fd, entry.name)
    else await rmdir(entry.path)
  } catch (err) {
    if (recursive && (err as NodeJS.ErrnoException).code === 'ENOTEMPTY') {
      const message = `${rel} kept gaining entries while it was deleted (something is writing into it); what was removed is gone, try again`
      throw new ServerError('DIRECTORY_NOT_EMPTY', message, { path: rel })
    }
    throw fsError(err, rel)
  } finally {
    await entry.dir.close()
  }
  return { deleted: rel }
}

export function fileRoutes(options: FileRoutesOptions): RouteModule {
  return (app) => {
    addFileRoutes(app, '', () => DEFAULT_SESSION_ID, options)
    addFileRoutes(app, '/sessions/:id', (c) => c.req.param('id') ?? '', options)
  }
}

/** The routes under `prefix`, on the workspace of the session `sessionOf` names. */
function addFileRoutes(app: HttpApp, prefix: string, sessionOf: (c: Context<HttpEnv>) => string, options: FileRoutesOptions): void {
  const { maxFileBytes, logger, audit } = options
  const url = (c: Context) => new URL(c.req.url)
  const workspace = (c: Context<HttpEnv>) => options.workspaceOf(sessionOf(c))
  const resolve = (c: Context<HttpEnv>, required = false) => workspace(c).resolve(pathParam(url(c), { required }))
  const record = (c: Context<HttpEnv>, action: 'file_write' | 'file_mkdir' | 'file_delete', detail: AuditDetail) =>
    audit.record(httpActor(c), action, sessionOf(c), detail)
  app.get(`${prefix}/files`, async (c) => {
    const path = await resolve(c)
    const dir = await holdDir(workspace(c), path.rel).catch((err: unknown) => {
      throw fsError(err, path.rel)
    })
    try {
      const listing = await listEntries(path.rel, dir, flagParam(url(c), 'recursive'))
      return jsonResponse<ListFilesResponse>({ path: path.rel, ...listing })
    } finally {
      await dir.close()
    }
  })
  app.get(`${prefix}/files/stat`, async (c) => {
    const path = await resolve(c)
    const entry = await holdEntry(workspace(c), path.rel).catch((err: unknown) => {
      throw fsError(err, path.rel)
    })
    try {
      return jsonResponse<FileEntryResponse>({ entry: entryOf(path.rel, await statEntry(path.rel, entry.path)) })
    } finally {
      await entry.dir.close()
    }
  })
  app.get(`${prefix}/files/content`, async (c) => {
    const { stream, headers } = await readContent(workspace(c), await resolve(c, true))
    const remove = options.live?.add({
      principal: principalOf(c),
      sessionId: sessionOf(c),
      close: (reason) => stream.destroy(new Error(`access ended: ${reason}`)),
    })
    if (remove) stream.once('close', remove)
    return streamResponse(c, stream, headers, logger)
  })
  app.put(`${prefix}/files/content`, async (c) => {
    const body = requestBody(c)
    const path = await fileToWrite(c, () => resolve(c, true)).catch((err: unknown) => {
      body.resume()
      throw err
    })
    const limit = options.workspaceLimit?.(sessionOf(c))
    const root = options.workspaceOf(sessionOf(c)).root
    const quota = limit === undefined ? undefined : await quotaFor(root, path.abs, limit, options.usage)
    const upload = { body, declaredBytes: declaredLength(c), aborted: () => aborted(c) }
    const { entry, created } = await writeContent(workspace(c), path, upload, maxFileBytes, quota)
    record(c, 'file_write', { path: path.rel, bytes: entry.size, created })
    return jsonResponse<FileEntryResponse>({ entry }, created ? 201 : 200)
  })
  app.post(`${prefix}/files/mkdir`, async (c) => {
    const result = await makeDir(workspace(c), await resolve(c, true), flagParam(url(c), 'parents'))
    if (result.created) record(c, 'file_mkdir', { path: result.entry.path })
    return jsonResponse<MakeDirResponse>(result, result.created ? 201 : 200)
  })
  app.delete(`${prefix}/files`, async (c) => {
    const recursive = flagParam(url(c), 'recursive')
    const result = await remove(workspace(c), await resolve(c, true), recursive)
    record(c, 'file_delete', { path: result.deleted, recursive })
    return jsonResponse<DeleteFileResponse>(result)
  })
}

/** A write's path, which must name a file: `new/` or `notes.txt/.` says a directory (as the
 *  kernel reads it), so it is refused rather than written as the file `new` or `notes.txt`
 *  (what normalizing the path alone would do). */
async function fileToWrite(c: Context<HttpEnv>, resolve: () => Promise<WorkspacePath>): Promise<WorkspacePath> {
  const raw = new URL(c.req.url).searchParams.get('path') ?? ''
  if (/\/\.?$/.test(raw)) {
    const message = 'names a directory (it ends with "/" or "/."); a write needs a file path'
    throw new ServerError('INVALID_REQUEST', `path: ${message}`, { issues: [{ path: 'path', message }] })
  }
  return resolve()
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
