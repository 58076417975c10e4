// File content as bytes, streamed both ways. A write goes to a temp file next to its target
// and is renamed over it once complete, so a reader sees the old file or the new one, never
// half of one; a failed or aborted upload leaves nothing behind.
import { randomBytes } from 'node:crypto'
import { constants, createReadStream, createWriteStream } from 'node:fs'
import { chmod, lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FileEntry } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import { entryOf, fsError } from './entries.js'
import type { WorkspacePath } from './workspace-path.js'

/** Streams a regular file's bytes with its exact length (taken from the open file). */
export async function readContent({ rel, abs }: WorkspacePath): Promise<{ stream: Readable; headers: Record<string, string> }> {
  let handle
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    handle = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    throw fsError(err, rel)
  }
  const stats = await handle.stat()
  if (!stats.isFile()) {
    await handle.close()
    if (stats.isDirectory()) throw new ServerError('IS_A_DIRECTORY', `${rel} is a directory; list it with GET /files`, { path: rel })
    throw new ServerError('INVALID_REQUEST', `${rel} is not a regular file`, { issues: [{ path: 'path', message: 'not a regular file' }] })
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

/** Where a write lands: through a symlink (already checked to stay inside) to its real target. */
async function writeTarget(abs: string): Promise<{ target: string; mode: number | undefined; existed: boolean }> {
  try {
    const target = await realpath(abs)
    const stats = await lstat(target)
    if (stats.isDirectory()) return { target, mode: undefined, existed: true }
    return { target, mode: stats.mode & 0o7777, existed: true }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { target: abs, mode: undefined, existed: false }
    throw err
  }
}

/** An upload: its bytes, the length it declares, and whether its client went away. */
export interface Upload {
  body: Readable
  declaredBytes: number | undefined
  aborted(): boolean
}

/** Streams the request body into `path`, creating parent directories. */
export async function writeContent(
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
  let temp: string | undefined
  try {
    const { target, mode, existed } = await writeTarget(path.abs)
    if (existed && mode === undefined) throw new ServerError('IS_A_DIRECTORY', `${rel} is a directory`, { path: rel })
    await mkdir(dirname(target), { recursive: true }).catch((err: unknown) => {
      // A parent that exists as a file.
      throw (err as NodeJS.ErrnoException).code === 'EEXIST'
        ? new ServerError('NOT_A_DIRECTORY', `A parent of ${rel} is not a directory`, { path: rel })
        : err
    })
    temp = join(dirname(target), `.cas-upload-${randomBytes(8).toString('hex')}.tmp`)
    await pipeline(req, byteLimit(limit, quota), createWriteStream(temp, { flags: 'wx' }))
    // Keep an overwritten file's permissions (an executable script stays executable).
    if (mode !== undefined) await chmod(temp, mode)
    await rename(temp, target)
    temp = undefined
    return { entry: entryOf(rel, await lstat(target)), created: !existed }
  } catch (err) {
    if (upload.aborted()) throw new ServerError('INVALID_REQUEST', `The upload of ${rel} was aborted`, { path: rel })
    req.resume()
    throw fsError(err, rel)
  } finally {
    if (temp !== undefined) await rm(temp, { force: true })
  }
}
