// The flat method names of the original client and of earlier versions (`writeFile`,
// `readFile`, `exec`, `setModel`, ...), each a one-line alias of a capability object, written
// once for the client and attached sessions so existing code keeps working; the listener
// methods come from HubAliases.
import type { FileEntry, MakeDirResponse, PermissionMode } from '@claude-agent/protocol'
import type { ControlOptions } from './control/channel.js'
import type { Control, McpServerStatus, ModelChange, ModelInfo, PermissionModeChange, SlashCommand } from './control/control.js'
import type { Commands } from './exec/commands.js'
import type { ExecOptions, ExecResult } from './exec/exec.js'
import type { FileRequestOptions, ListFilesOptions, MakeDirOptions, ReadFileOptions, RemoveFileOptions } from './files/api.js'
import type { FileData } from './files/content.js'
import type { Files } from './files/files.js'
import type { FilesystemEventHandler, WatchHandle, WatchOptions } from './files/watch.js'
import { HubAliases } from './hub-aliases.js'

export abstract class FlatAliases extends HubAliases {
  /** The workspace: write, read, readStream, list, getInfo, makeDir, remove, watchDir. */
  abstract readonly files: Files
  /** Commands in the session: run. */
  abstract readonly commands: Commands
  /** Live control: setPermissionMode, setModel, list*, request; callable as `control(request)`. */
  abstract readonly control: Control

  /** = `files.write()` */
  writeFile(path: string, data: FileData, options?: FileRequestOptions): Promise<FileEntry> {
    return this.files.write(path, data, options)
  }

  /** = `files.read()` */
  readFile(path: string, options?: ReadFileOptions & { encoding?: 'utf8' }): Promise<string>
  readFile(path: string, options: ReadFileOptions & { encoding: 'binary' }): Promise<Uint8Array>
  readFile(path: string, format: 'text'): Promise<string>
  readFile(path: string, format: 'blob'): Promise<Blob>
  readFile(path: string, options?: ReadFileOptions | 'text' | 'blob'): Promise<string | Uint8Array | Blob> {
    return this.files.read(path, options)
  }

  /** = `files.readStream()` */
  readFileStream(path: string, options?: FileRequestOptions): Promise<ReadableStream<Uint8Array>> {
    return this.files.readStream(path, options)
  }

  /** = `files.list()` */
  listFiles(path?: string, options?: ListFilesOptions): Promise<FileEntry[]> {
    return this.files.list(path, options)
  }

  /** = `files.getInfo()` */
  stat(path: string, options?: FileRequestOptions): Promise<FileEntry> {
    return this.files.getInfo(path, options)
  }

  /** = `files.makeDir()` */
  makeDir(path: string, options?: MakeDirOptions): Promise<MakeDirResponse> {
    return this.files.makeDir(path, options)
  }

  /** = `files.remove()` */
  removeFile(path: string, options?: RemoveFileOptions): Promise<void> {
    return this.files.remove(path, options)
  }

  /** = `files.watchDir()` */
  watchDir(path: string, onEvent: FilesystemEventHandler, options?: WatchOptions): Promise<WatchHandle> {
    return this.files.watchDir(path, onEvent, options)
  }

  /** = `commands.run()` */
  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.commands.run(command, options)
  }

  /** = `control.setPermissionMode()` */
  setPermissionMode(mode: PermissionMode, options?: ControlOptions): Promise<PermissionModeChange> {
    return this.control.setPermissionMode(mode, options)
  }

  /** = `control.setModel()` */
  setModel(model?: string, options?: ControlOptions): Promise<ModelChange> {
    return this.control.setModel(model, options)
  }

  /** = `control.listCommands()` */
  listCommands(options?: ControlOptions): Promise<SlashCommand[]> {
    return this.control.listCommands(options)
  }

  /** = `control.listModels()` */
  listModels(options?: ControlOptions): Promise<ModelInfo[]> {
    return this.control.listModels(options)
  }

  /** = `control.listMcpServers()` */
  listMcpServers(options?: ControlOptions): Promise<McpServerStatus[]> {
    return this.control.listMcpServers(options)
  }
}
