// Watches a workspace directory (and with `recursive` every directory below it) and reports
// create / modify / remove per path. fs.watch tells us only "something happened to this
// name", so events are coalesced for a short window and each touched path is compared with
// what we knew: new → create, gone → remove, still there → modify. A file created and deleted
// within one window (an editor's swap file, our own upload temp files) is never reported.
// Symlinks are reported but never followed, so the watcher stays inside the workspace: each
// directory is opened (not following a link below the root) and checked to be inside before
// it is watched or read, so one the agent swaps for a link out meanwhile is never watched.
import { watch, type FSWatcher, type Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join, posix } from 'node:path'
import type { FileEventFrame, FileType } from '@claude-agent/protocol'
import { UPLOAD_TEMP, fileTypeOf } from './entries.js'
import { HeldDir } from './held-dir.js'
import type { WorkspacePath } from './workspace-path.js'

/** Events within this window are merged per path. */
const COALESCE_MS = 50

export interface WatcherOptions {
  recursive: boolean
  onEvent(frame: FileEventFrame): void
  /** The watched directory itself was removed; the watcher has stopped. */
  onRootGone(): void
  /** The system refused a watch (e.g. ENOSPC: the inotify limit); the watcher has stopped. */
  onError(err: Error): void
}

interface Known {
  type: FileType
  ino: number
}

export class DirectoryWatcher {
  /** Every entry below the root we have reported or found, by workspace path. */
  private readonly known = new Map<string, Known>()
  /** fs.watch handles by the workspace path of the directory they watch. */
  private readonly watchers = new Map<string, FSWatcher>()
  private readonly dirty = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  private closed = false
  /** Until start() resolves, changes only mark paths (the starting state is what start finds). */
  private started = false

  constructor(
    private readonly root: WorkspacePath,
    /** The real workspace root every watched directory must be in. */
    private readonly realRoot: string,
    private readonly options: WatcherOptions,
  ) {}

  /** Resolves once every directory is watched: changes from then on are reported. */
  async start(): Promise<void> {
    await this.watchDir(this.root.rel) // throws if the system refuses
    await this.scan(this.root.rel, false)
    this.dirty.clear() // what happened while we looked around is the starting state
    this.started = true
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    for (const watcher of this.watchers.values()) watcher.close()
    this.watchers.clear()
  }

  private abs(rel: string): string {
    return rel === this.root.rel ? this.root.abs : join(this.root.abs, posix.relative(this.root.rel, rel))
  }

  private child(dirRel: string, name: string): string {
    return dirRel === '.' ? name : `${dirRel}/${name}`
  }

  /** Opens directory `dirRel`, checked inside (a link there below the root: ENOTDIR). */
  private hold(dirRel: string): Promise<HeldDir> {
    return HeldDir.open(this.realRoot, this.abs(dirRel), dirRel, dirRel !== this.root.rel)
  }

  private async watchDir(dirRel: string): Promise<void> {
    if (this.closed || this.watchers.has(dirRel)) return
    let watcher: FSWatcher
    let dir: HeldDir | undefined
    try {
      dir = await this.hold(dirRel)
      if (this.closed || this.watchers.has(dirRel)) return
      // The watch is on the directory held, whatever its path says by now.
      watcher = watch(dir.path, { persistent: false }, (_event, name) => this.touched(dirRel, name))
    } catch (err) {
      if (dirRel === this.root.rel) throw err
      if (!isGone(err)) this.fail(err)
      return
    } finally {
      await dir?.close()
    }
    watcher.on('error', (err) => (dirRel === this.root.rel ? this.fail(err) : this.unwatch(dirRel)))
    this.watchers.set(dirRel, watcher)
  }

  private unwatch(dirRel: string): void {
    this.watchers.get(dirRel)?.close()
    this.watchers.delete(dirRel)
  }

  private touched(dirRel: string, name: string | Buffer | null): void {
    if (this.closed) return
    if (name === null) {
      // The kernel dropped the details: re-check everything we know in that directory.
      for (const path of this.known.keys()) if (posix.dirname(path) === dirRel) this.dirty.add(path)
      void this.scan(dirRel, true)
    } else {
      const base = String(name)
      if (UPLOAD_TEMP.test(base)) return
      this.dirty.add(this.child(dirRel, base))
    }
    if (this.started) this.schedule()
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.flushing = this.flushing.then(() => this.flush()).catch((err: unknown) => this.fail(err))
    }, COALESCE_MS)
  }

  private async flush(): Promise<void> {
    const paths = [...this.dirty]
    this.dirty.clear()
    if (this.closed) return
    if (!(await exists(this.root.abs))) {
      this.close()
      this.options.onRootGone()
      return
    }
    for (const path of paths) if (!this.closed) await this.settle(path, true)
  }

  /** Compares `path` with what we knew, reports the difference, and watches new directories. */
  private async settle(path: string, report: boolean): Promise<void> {
    let stats: Stats | undefined
    try {
      stats = await lstat(this.abs(path))
    } catch {
      stats = undefined
    }
    const before = this.known.get(path)
    const type = stats && fileTypeOf(stats)
    if (before && (!stats || type !== before.type || (type === 'directory' && stats.ino !== before.ino))) {
      this.forget(path)
      if (report) this.options.onEvent({ type: 'file_event', event: 'remove', path })
    }
    if (!stats || !type) return
    if (!this.known.has(path)) {
      this.known.set(path, { type, ino: stats.ino })
      if (report) this.options.onEvent({ type: 'file_event', event: 'create', path, fileType: type })
      if (type === 'directory' && this.options.recursive) {
        await this.watchDir(path)
        await this.scan(path, report)
      }
    } else if (type !== 'directory' && report) {
      this.known.set(path, { type, ino: stats.ino })
      this.options.onEvent({ type: 'file_event', event: 'modify', path, fileType: type })
    }
  }

  /** Learns (and with `report`, announces) the entries of a directory we did not know yet. */
  private async scan(dirRel: string, report: boolean): Promise<void> {
    let names: string[]
    let dir: HeldDir | undefined
    try {
      dir = await this.hold(dirRel)
      names = await readdir(dir.path)
    } catch {
      return // gone (or replaced by a link) meanwhile: its parent's watcher reports that
    } finally {
      await dir?.close()
    }
    for (const name of names.sort()) {
      const path = this.child(dirRel, name)
      if (!this.closed && !UPLOAD_TEMP.test(name) && !this.known.has(path)) await this.settle(path, report)
    }
  }

  /** Drops a path and everything below it. */
  private forget(path: string): void {
    const prefix = `${path}/`
    for (const known of [...this.known.keys()]) if (known === path || known.startsWith(prefix)) this.known.delete(known)
    for (const dir of [...this.watchers.keys()]) if (dir === path || dir.startsWith(prefix)) this.unwatch(dir)
  }

  private fail(err: unknown): void {
    if (this.closed) return
    this.close()
    this.options.onError(err instanceof Error ? err : new Error(String(err)))
  }
}

// A directory replaced by a link or moved out is gone for the watcher as well.
const isGone = (err: unknown) => ['ENOENT', 'ENOTDIR', 'PATH_OUTSIDE_WORKSPACE'].includes((err as NodeJS.ErrnoException).code ?? '')

async function exists(abs: string): Promise<boolean> {
  try {
    await lstat(abs)
    return true
  } catch {
    return false
  }
}
