// The workspace's files over the server's HTTP API (docs/files.md): list, stat, read, write,
// mkdir, remove. Paths are relative to the workspace root. A refusal is `REQUEST_FAILED` with
// the server's code in `wireError.code` (`PATH_OUTSIDE_WORKSPACE`, `FILE_NOT_FOUND`, ...).
import type { FileEntry, MakeDirResponse } from '@claude-agent/protocol'
import { DeleteFileResponseSchema, FileEntryResponseSchema, ListFilesResponseSchema, MakeDirResponseSchema } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { requestJson, serverFetch, type ServerTarget } from '../http/request.js'
import { httpEndpoint, loggableUrl, pathSegment } from '../urls.js'
import { readBytes, readText, toBody, type FileData } from './content.js'

export interface FileRequestOptions {
  /** Aborting cancels the request (rejects with `signal.reason`). */
  signal?: AbortSignal
}

export interface ListFilesOptions extends FileRequestOptions {
  /** Everything below, depth first (a directory's entries follow it). @default false */
  recursive?: boolean
}

export interface RemoveFileOptions extends FileRequestOptions {
  /** Delete a non-empty directory with its contents. @default false */
  recursive?: boolean
}

export interface MakeDirOptions extends FileRequestOptions {
  /** Create missing parents, and succeed when the directory exists (`mkdir -p`). @default true */
  parents?: boolean
}

export interface ReadFileOptions extends FileRequestOptions {
  /** `utf8`: a string; `binary`: the exact bytes (Uint8Array). @default 'utf8' */
  encoding?: 'utf8' | 'binary'
}

/** A server and the session whose workspace is meant: the default session's (the original
 * `/files...` routes) without one, else `/sessions/<id>/files...`. */
export interface FilesTarget extends ServerTarget {
  sessionId?: string
}

/** The path of a files route (`/files`, `/files/stat`, ...) for the target's session. */
export const filesRoute = (target: FilesTarget, route: string) =>
  target.sessionId === undefined || target.sessionId === 'default'
    ? route
    : `/sessions/${pathSegment(target.sessionId, 'session id')}${route}`

const files = (target: FilesTarget, path: string, params: Record<string, string | number | undefined> = {}) =>
  httpEndpoint(target.baseUrl, filesRoute(target, path), params)

/** `GET /files`: the entries of a directory (sorted by name; recursive listings depth first, at most 100 000). */
export async function listFiles(target: FilesTarget, path: string, options: ListFilesOptions): Promise<FileEntry[]> {
  const url = files(target, '/files', { path, recursive: options.recursive ? 1 : undefined })
  const listing = parse(
    ListFilesResponseSchema,
    await requestJson({ ...target, ...signal(options), method: 'GET', url, failureCode: 'REQUEST_FAILED' }),
    url,
  )
  if (listing.truncated) target.log(`${loggableUrl(url)}: the listing stopped at ${listing.entries.length} entries`)
  return listing.entries
}

/** `GET /files/stat`: one entry, a final symlink described as itself. */
export async function statFile(target: FilesTarget, path: string, options: FileRequestOptions): Promise<FileEntry> {
  const url = files(target, '/files/stat', { path })
  return parse(
    FileEntryResponseSchema,
    await requestJson({ ...target, ...signal(options), method: 'GET', url, failureCode: 'REQUEST_FAILED' }),
    url,
  ).entry
}

/** `POST /files/mkdir`. */
export async function makeDir(target: FilesTarget, path: string, options: MakeDirOptions): Promise<MakeDirResponse> {
  const url = files(target, '/files/mkdir', { path, parents: options.parents === false ? undefined : 1 })
  return parse(
    MakeDirResponseSchema,
    await requestJson({ ...target, ...signal(options), method: 'POST', url, failureCode: 'REQUEST_FAILED' }),
    url,
  )
}

/** `DELETE /files`: a file, a symlink (not its target) or a directory. */
export async function removeFile(target: FilesTarget, path: string, options: RemoveFileOptions): Promise<void> {
  const url = files(target, '/files', { path, recursive: options.recursive ? 1 : undefined })
  parse(
    DeleteFileResponseSchema,
    await requestJson({ ...target, ...signal(options), method: 'DELETE', url, failureCode: 'REQUEST_FAILED' }),
    url,
  )
}

/** `PUT /files/content`: replaces the file atomically (missing parents are created), streaming `data`. */
export async function writeFile(target: FilesTarget, path: string, data: FileData, options: FileRequestOptions): Promise<FileEntry> {
  const url = files(target, '/files/content', { path })
  const upload = toBody(data)
  const response = await serverFetch({
    ...target,
    ...signal(options),
    method: 'PUT',
    url,
    body: upload.body,
    headers: { 'content-type': 'application/octet-stream' },
    failureCode: 'REQUEST_FAILED',
  }).catch((error: unknown) => {
    // The upload broke off on our side: the server writes nothing of a body cut short.
    const failed = upload.sourceError
    if (!failed) throw error
    const reason = failed.error instanceof Error ? failed.error.message : String(failed.error)
    throw new ClaudeAgentClientError('SOURCE_FAILED', `The data for ${path} could not be read: ${reason}; nothing was written`, {
      cause: failed.error,
    })
  })
  return parse(FileEntryResponseSchema, await response.json().catch(() => undefined), url).entry
}

/** `GET /files/content`: the response, its body unread (a stream of the file's bytes). */
export async function openFile(target: FilesTarget, path: string, options: FileRequestOptions): Promise<Response> {
  const url = files(target, '/files/content', { path })
  return serverFetch({ ...target, ...signal(options), method: 'GET', url, failureCode: 'REQUEST_FAILED' })
}

/** The file as text (UTF-8) or bytes, read as it streams in. */
export async function readFile(target: FilesTarget, path: string, options: ReadFileOptions): Promise<string | Uint8Array> {
  const response = await openFile(target, path, options)
  const what = `reading ${path}`
  return options.encoding === 'binary' ? readBytes(response, what) : readText(response, what)
}

function signal(options: FileRequestOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {}
}

interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } }
}

/** Validated; fields a newer server adds are kept. */
function parse<T>(schema: Schema<T>, body: unknown, url: string): T {
  const parsed = schema.safeParse(body)
  if (parsed.success) return body as T
  throw new ClaudeAgentClientError('INVALID_SERVER_FRAME', `${loggableUrl(url)} answered something unexpected: ${parsed.error.message}`)
}
