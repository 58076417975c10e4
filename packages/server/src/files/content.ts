// File content as bytes, streamed both ways. A write goes to a temp file next to its target
// and is renamed over it once complete, so a reader sees the old file or the new one, never
// half of one; a failed or aborted upload leaves nothing behind.
import { randomBytes } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { lstat, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FileEntry } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import { entryOf, fsError } from './entries.js'
import { holdTarget, type HeldEntry } from './held-dir.js'
import type { Workspace, WorkspacePath } from './workspace-path.js'

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code

const notRegular = (rel: string) =>
  new ServerError('INVALID_REQUEST', `${rel} is not a regular file`, { issues: [{ path: 'path', message: 'not a regular file' }] })

/** Streams a regular file's bytes with its exact length (taken from the open file). */
export async function readContent(ws: Workspace, { rel }: WorkspacePath): Promise<{ stream: Readable; headers: Record<string, string> }> {
  let handle: FileHandle
  const target = await holdTarget(ws, rel).catch((err: unknown) => {
    throw fsError(err, rel)
  })
  try {
    if (!target.stats) throw new ServerError('FILE_NOT_FOUND', `No such file or directory: ${rel}`, { path: rel })
    if (target.stats.isDirectory()) throw new ServerError('IS_A_DIRECTORY', `${rel} is a directory; list it with GET /files`, { path: rel })
    // Never opened unless regular: opening a FIFO waits for a writer, a socket cannot be opened.
    if (!target.stats.isFile()) throw notRegular(rel)
    // O_NOFOLLOW: a link swapped in since is refused; O_NONBLOCK: nor does a FIFO swapped in wait.
    handle = await open(target.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW)
  } catch (err) {
    if (errno(err) === 'ELOOP')
      throw new ServerError('FILE_NOT_FOUND', `${rel} was replaced by a symlink while it was opened`, { path: rel })
    throw fsError(err, rel)
  } finally {
    await target.dir.close()
  }
  const stats = await handle.stat()
  if (!stats.isFile()) {
    await handle.close()
    throw notRegular(rel)
  }
  const size = stats.size
  // Exactly `size` bytes, so the body matches content-length even if the file grows meanwhile.
  const stream = size === 0 ? (await handle.close(), Readable.from([])) : createReadStream('', { fd: handle, start: 0, end: size - 1 })
  return {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'last-modified': stats.mtime.toUTCString(),
    },
    stream,
  }
}

/** Room left in the session's directory for this write (what it replaces included). */
export interface Quota {
  allowanceBytes: number
  /** The error for an upload of `bytes` that does not fit. */
  full(bytes: number): ServerError
}

const tooLarge = (limit: number, bytes?: number) =>
  new ServerError(
    'BODY_TOO_LARGE',
    bytes === undefined ? `File exceeds the limit of ${limit} bytes` : `File is ${bytes} bytes; the limit is ${limit}`,
    { limit },
  )

/** Fails the upload once more than `limit` bytes arrived, or more than the quota allows. */
function byteLimit(limit: number, quota: Quota | undefined): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > limit) done(tooLarge(limit))
      else if (quota && seen > quota.allowanceBytes) done(quota.full(seen))
      else done(null, chunk)
    },
  })
}

/** An upload: its bytes, the length it declares, and whether its client went away. */
export interface Upload {
  body: Readable
  declaredBytes: number | undefined
  aborted(): boolean
}

/** Streams the request body into `path`, creating parent directories. */
export async function writeContent(
  ws: Workspace,
  path: WorkspacePath,
  upload: Upload,
  limit: number,
  quota?: Quota,
): Promise<{ entry: FileEntry; created: boolean }> {
  const { rel } = path
  const { body: req, declaredBytes: declared } = upload
  const refusal =
    declared === undefined
      ? undefined
      : declared > limit
        ? tooLarge(limit, declared)
        : quota && declared > quota.allowanceBytes
          ? quota.full(declared)
          : undefined
  if (refusal) {
    req.resume()
    throw refusal
  }
  if (rel === '.') throw new ServerError('IS_A_DIRECTORY', 'The workspace root is a directory', { path: rel })
  let target: HeldEntry | undefined
  let temp: string | undefined
  try {
    // Through a symlink (each hop checked) to its real target; the parents made on the way.
    const held = await holdTarget(ws, rel, { create: true })
    target = held
    if (held.stats?.isDirectory()) throw new ServerError('IS_A_DIRECTORY', `${rel} is a directory`, { path: rel })
    temp = held.dir.at(`.cas-upload-${randomBytes(8).toString('hex')}.tmp`)
    // O_EXCL: never through a link; the mode set on the descriptor, never on a path the agent
    // could swap for a link to a host file. An overwritten file keeps its rwx bits only: new
    // bytes under a kept setuid/setgid bit would be a set-id program the client wrote.
    const file = await open(temp, 'wx')
    try {
      if (held.stats) await file.chmod(held.stats.mode & 0o777)
    } catch (err) {
      await file.close()
      throw err
    }
    await pipeline(req, byteLimit(limit, quota), file.createWriteStream())
    // Over the entry itself: a link swapped in there meanwhile is replaced, never followed.
    await rename(temp, held.path)
    temp = undefined
    return { entry: entryOf(rel, await lstat(held.path)), created: !held.stats }
  } catch (err) {
    if (upload.aborted()) throw new ServerError('INVALID_REQUEST', `The upload of ${rel} was aborted`, { path: rel })
    req.resume()
    throw fsError(err, rel)
  } finally {
    if (temp !== undefined) await rm(temp, { force: true })
    await target?.dir.close()
  }
}
