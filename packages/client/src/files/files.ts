// `client.files` (and `session.files`): the workspace over the server's files API, named as the
// E2B SDK's `sandbox.files` (write, read, list, getInfo, makeDir, remove, watchDir). One class
// for the client and attached sessions; it only needs to know which server to ask.
import type { FileEntry, MakeDirResponse } from '@claude-agent/protocol'
import type { ClaudeAgentClientError } from '../errors.js'
import type { ServerTarget } from '../http/request.js'
import * as api from './api.js'
import type { FileData } from './content.js'
import { watchDir, type FilesystemEventHandler, type WatchHandle, type WatchOptions } from './watch.js'

export interface WorkspaceTarget extends ServerTarget {
  /** Where commands run by default. */
  sessionId: string
  /** How long watchDir() waits for the server to start watching. */
  timeoutMs: number
  reportError(error: ClaudeAgentClientError): void
}

/** The server, its token and the session, asked anew per call. @throws `NOT_CONNECTED` without a server. */
export type TargetSource = (method: string) => WorkspaceTarget

/**
 * Paths are relative to the workspace root, `/`-separated. Every method rejects
 * `REQUEST_FAILED` when the server refuses, with its code in `error.serverCode`
 * (`PATH_OUTSIDE_WORKSPACE`, `FILE_NOT_FOUND`, `IS_A_DIRECTORY`, ...), `CONNECTION_FAILED`
 * when the server is unreachable or refuses the token (`UNAUTHORIZED`), `NOT_CONNECTED`
 * without a server.
 */
export class Files {
  constructor(private readonly target: TargetSource) {}

  /**
   * Write a file, replacing it atomically; missing parent directories are created. `data` is
   * streamed: text (UTF-8), bytes, a Blob, a web stream or any async iterable of chunks.
   * @example await client.files.write('src/hello.txt', 'Hello!\n')
   */
  async write(path: string, data: FileData, options: api.FileRequestOptions = {}): Promise<FileEntry> {
    return api.writeFile(this.target('files.write'), path, data, options)
  }

  /**
   * Read a file: UTF-8 text by default, the exact bytes with `{ encoding: 'binary' }`; the
   * original's `'text'` / `'blob'` second argument works too.
   * @example const bytes = await client.files.read('logo.png', { encoding: 'binary' })
   */
  read(path: string, options?: api.ReadFileOptions & { encoding?: 'utf8' }): Promise<string>
  read(path: string, options: api.ReadFileOptions & { encoding: 'binary' }): Promise<Uint8Array>
  read(path: string, format: 'text'): Promise<string>
  read(path: string, format: 'blob'): Promise<Blob>
  read(path: string, options?: api.ReadFileOptions | 'text' | 'blob'): Promise<string | Uint8Array | Blob>
  async read(path: string, options: api.ReadFileOptions | 'text' | 'blob' = {}): Promise<string | Uint8Array | Blob> {
    const target = this.target('files.read')
    if (options === 'text') return api.readFile(target, path, {})
    if (options === 'blob') return new Blob([(await api.readFile(target, path, { encoding: 'binary' })) as Uint8Array<ArrayBuffer>])
    return api.readFile(target, path, options)
  }

  /** A file's bytes as a stream, for files too large to hold in memory. */
  async readStream(path: string, options: api.FileRequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await api.openFile(this.target('files.readStream'), path, options)
    return response.body ?? new Blob([]).stream()
  }

  /** A directory's entries (`name`, `path`, `type`, `size`, `mtime`). @default path '.' (the workspace root) */
  async list(path = '.', options: api.ListFilesOptions = {}): Promise<FileEntry[]> {
    return api.listFiles(this.target('files.list'), path, options)
  }

  /** One entry; a symlink is described as itself. */
  async getInfo(path: string, options: api.FileRequestOptions = {}): Promise<FileEntry> {
    return api.statFile(this.target('files.getInfo'), path, options)
  }

  /** Make a directory (with its parents unless `parents: false`); `created` is false when it existed. */
  async makeDir(path: string, options: api.MakeDirOptions = {}): Promise<MakeDirResponse> {
    return api.makeDir(this.target('files.makeDir'), path, options)
  }

  /** Delete a file, a symlink or a directory (`recursive` for a non-empty one). */
  async remove(path: string, options: api.RemoveFileOptions = {}): Promise<void> {
    return api.removeFile(this.target('files.remove'), path, options)
  }

  /**
   * Call `onEvent` for each change under `path` (`CREATE`, `WRITE`, `REMOVE`), from the
   * moment the promise resolves. `stop()` ends it; `onExit` says when the server ended it.
   * @example
   * const watch = await client.files.watchDir('src', (e) => console.log(e.type, e.path), { recursive: true })
   * await watch.stop()
   */
  async watchDir(path: string, onEvent: FilesystemEventHandler, options: WatchOptions = {}): Promise<WatchHandle> {
    return watchDir(this.target('files.watchDir'), path, onEvent, options)
  }
}
