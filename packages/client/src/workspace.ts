// The workspace methods (files, watch, exec), written once for the client and attached
// sessions, on top of one `workspaceTarget()`: the server, its token, and the session to run
// commands in. The names and shapes follow the original client (writeFile, readFile,
// listFiles, removeFile, watchDir), over the server's API instead of the E2B SDK.
import type { FileEntry, MakeDirResponse } from '@claude-agent/protocol'
import { ControlMethods } from './control/methods.js'
import type { ClaudeAgentClientError } from './errors.js'
import { exec, type ExecOptions, type ExecResult } from './exec/exec.js'
import * as api from './files/api.js'
import type { FileData } from './files/content.js'
import { watchDir, type FilesystemEventHandler, type WatchHandle, type WatchOptions } from './files/watch.js'
import type { ServerTarget } from './http/request.js'

export interface WorkspaceTarget extends ServerTarget {
  /** Where exec() runs by default. */
  sessionId: string
  /** How long watchDir() waits for the server to start watching. */
  timeoutMs: number
  reportError(error: ClaudeAgentClientError): void
}

/**
 * Files and commands. Every method rejects `REQUEST_FAILED` when the server refuses, with its
 * code in `error.wireError.code` / `error.serverCode` (`PATH_OUTSIDE_WORKSPACE`,
 * `FILE_NOT_FOUND`, `IS_A_DIRECTORY`, `EXEC_FAILED`, ...), `CONNECTION_FAILED` when the server
 * is unreachable or refuses the token (`UNAUTHORIZED`), `NOT_CONNECTED` without a server.
 */
export abstract class WorkspaceMethods extends ControlMethods {
  /** @throws ClaudeAgentClientError `NOT_CONNECTED` when there is no server yet. */
  protected abstract workspaceTarget(method: string): WorkspaceTarget

  /**
   * Write a file (relative to the workspace), replacing it atomically; missing parent
   * directories are created. `data` is streamed: text (UTF-8), bytes, a Blob, a web stream or
   * any async iterable of chunks (e.g. `fs.createReadStream(...)`).
   * @example await client.writeFile('src/hello.txt', 'Hello!\n')
   */
  async writeFile(path: string, data: FileData, options: api.FileRequestOptions = {}): Promise<FileEntry> {
    return api.writeFile(this.workspaceTarget('writeFile'), path, data, options)
  }

  /**
   * Read a file: UTF-8 text by default, the exact bytes with `{ encoding: 'binary' }`; the
   * original's `'text'` / `'blob'` second argument works too.
   * @example const bytes = await client.readFile('logo.png', { encoding: 'binary' })
   */
  readFile(path: string, options?: api.ReadFileOptions & { encoding?: 'utf8' }): Promise<string>
  readFile(path: string, options: api.ReadFileOptions & { encoding: 'binary' }): Promise<Uint8Array>
  readFile(path: string, format: 'text'): Promise<string>
  readFile(path: string, format: 'blob'): Promise<Blob>
  async readFile(path: string, options: api.ReadFileOptions | 'text' | 'blob' = {}): Promise<string | Uint8Array | Blob> {
    const target = this.workspaceTarget('readFile')
    if (options === 'text') return api.readFile(target, path, {})
    if (options === 'blob') return new Blob([(await api.readFile(target, path, { encoding: 'binary' })) as Uint8Array<ArrayBuffer>])
    return api.readFile(target, path, options)
  }

  /** A file's bytes as a stream, for files too large to hold in memory. */
  async readFileStream(path: string, options: api.FileRequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await api.openFile(this.workspaceTarget('readFileStream'), path, options)
    return response.body ?? new Blob([]).stream()
  }

  /** A directory's entries (`name`, `path`, `type`, `size`, `mtime`). @default path '.' (the workspace root) */
  async listFiles(path = '.', options: api.ListFilesOptions = {}): Promise<FileEntry[]> {
    return api.listFiles(this.workspaceTarget('listFiles'), path, options)
  }

  /** One entry; a symlink is described as itself. */
  async stat(path: string, options: api.FileRequestOptions = {}): Promise<FileEntry> {
    return api.statFile(this.workspaceTarget('stat'), path, options)
  }

  /** Make a directory (with its parents unless `parents: false`); `created` is false when it existed. */
  async makeDir(path: string, options: api.MakeDirOptions = {}): Promise<MakeDirResponse> {
    return api.makeDir(this.workspaceTarget('makeDir'), path, options)
  }

  /** Delete a file, a symlink or a directory (`recursive` for a non-empty one). */
  async removeFile(path: string, options: api.RemoveFileOptions = {}): Promise<void> {
    return api.removeFile(this.workspaceTarget('removeFile'), path, options)
  }

  /**
   * Call `onEvent` for each change under `path` (`CREATE`, `WRITE`, `REMOVE`), from the
   * moment the promise resolves. `stop()` ends it; `onExit` says when the server ended it.
   * @example
   * const watch = await client.watchDir('src', (e) => console.log(e.type, e.path), { recursive: true })
   * await watch.stop()
   */
  async watchDir(path: string, onEvent: FilesystemEventHandler, options: WatchOptions = {}): Promise<WatchHandle> {
    return watchDir(this.workspaceTarget('watchDir'), path, onEvent, options)
  }

  /**
   * Run a command in the session (its working directory and sandbox) and resolve when it
   * exits, with its exit code and output; `onStdout`/`onStderr` get the output as it comes.
   * @example const { exitCode, stdout } = await client.exec('ls', { args: ['-la'] })
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const target = this.workspaceTarget('exec')
    return exec(target, options.sessionId ?? target.sessionId, command, options)
  }
}
