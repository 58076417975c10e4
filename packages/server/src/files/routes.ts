// The file API over HTTP: list, stat, read, write, mkdir, delete, all relative to the
// workspace root and checked by one resolver (workspace-path.ts). See docs/files.md.
import { mkdir, rm, rmdir, stat, unlink } from 'node:fs/promises'
import type { DeleteFileResponse, FileEntryResponse, ListFilesResponse, MakeDirResponse } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { Route } from '../http/router.js'
import { readContent, writeContent } from './content.js'
import { entryOf, fsError, listEntries, statEntry } from './entries.js'
import { flagParam, pathParam } from './query.js'
import type { Workspace, WorkspacePath } from './workspace-path.js'

export interface FileRoutesOptions {
  workspace: Workspace
  /** Largest file a PUT accepts; larger ones get BODY_TOO_LARGE. */
  maxFileBytes: number
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
    throw new ServerError('INVALID_REQUEST', 'The workspace root cannot be deleted', { issues: [{ path: 'path', message: 'the workspace root' }] })
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

export function fileRoutes({ workspace, maxFileBytes }: FileRoutesOptions): Route[] {
  return [
    {
      method: 'GET',
      path: '/files',
      async handle({ url }) {
        const path = await workspace.resolve(pathParam(url))
        const stats = await stat(path.abs).catch((err: unknown) => {
          throw fsError(err, path.rel)
        })
        if (!stats.isDirectory()) throw new ServerError('NOT_A_DIRECTORY', `${path.rel} is not a directory`, { path: path.rel })
        const listing = await listEntries(path.rel, path.abs, flagParam(url, 'recursive'))
        return { body: { path: path.rel, ...listing } satisfies ListFilesResponse }
      },
    },
    {
      method: 'GET',
      path: '/files/stat',
      async handle({ url }) {
        const path = await workspace.resolve(pathParam(url))
        return { body: { entry: entryOf(path.rel, await statEntry(path.rel, path.abs)) } satisfies FileEntryResponse }
      },
    },
    {
      method: 'GET',
      path: '/files/content',
      handle: async ({ url }) => readContent(await workspace.resolve(pathParam(url, { required: true }))),
    },
    {
      method: 'PUT',
      path: '/files/content',
      async handle({ url, req }) {
        const path = await workspace.resolve(pathParam(url, { required: true })).catch((err: unknown) => {
          req.resume()
          throw err
        })
        const { entry, created } = await writeContent(path, req, maxFileBytes)
        return { status: created ? 201 : 200, body: { entry } satisfies FileEntryResponse }
      },
    },
    {
      method: 'POST',
      path: '/files/mkdir',
      async handle({ url }) {
        const result = await makeDir(await workspace.resolve(pathParam(url, { required: true })), flagParam(url, 'parents'))
        return { status: result.created ? 201 : 200, body: result }
      },
    },
    {
      method: 'DELETE',
      path: '/files',
      async handle({ url }) {
        return { body: await remove(await workspace.resolve(pathParam(url, { required: true })), flagParam(url, 'recursive')) }
      },
    },
  ]
}
