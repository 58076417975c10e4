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
import { posix } from 'node:path'
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
  /** The bytes of each path seen, relative to the watched directory (see abs). */
  private readonly raw = new Map<string, Buffer>()
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
    const root = await this.openRoot()
    try {
      await this.watchDir(root, this.root.rel) // throws if the system refuses
      await this.scan(root, this.root.rel, false)
    } finally {
      await root.close()
    }
    this.dirty.clear() // what happened while we looked around is the starting state
    this.started = true
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    for (const watcher of this.watchers.values()) watcher.close()
    this.watchers.clear()
  }

  /** The watched directory, opened (and checked inside) for one round of work: every path
   *  below is reached from it, not through what its path leads to meanwhile. Held only that
   *  long: a directory held open is not freed when removed, so its watch would never say so. */
  private openRoot(): Promise<HeldDir> {
    return HeldDir.open(this.realRoot, this.root.abs, this.root.rel)
  }

  /** Where path `rel` is, from `root` (see openRoot), as bytes: names are kept as the directory
   *  gave them, so one that is not UTF-8 (reported with U+FFFD) is still found again. */
  private abs(root: HeldDir, rel: string): string | Buffer {
    return rel === this.root.rel ? root.path : Buffer.concat([Buffer.from(`${root.path}/`), this.rawRel(rel)])
  }

  /** Path `rel` relative to the watched directory, as bytes. */
  private rawRel(rel: string): Buffer {
    return this.raw.get(rel) ?? Buffer.from(posix.relative(this.root.rel, rel))
  }

  /** The workspace path of `name` (bytes) in directory `dirRel`, its bytes remembered. */
  private child(dirRel: string, name: Buffer): string {
    const text = name.toString('utf8')
    const path = dirRel === '.' ? text : `${dirRel}/${text}`
    const raw = dirRel === this.root.rel ? name : Buffer.concat([this.rawRel(dirRel), Buffer.from('/'), name])
    this.raw.set(path, raw)
    return path
  }

  /** Opens directory `dirRel`, checked inside (a link there below the root: ENOTDIR). */
  private hold(root: HeldDir, dirRel: string): Promise<HeldDir> {
    return HeldDir.open(this.realRoot, this.abs(root, dirRel), dirRel, dirRel !== this.root.rel)
  }

  private async watchDir(root: HeldDir, dirRel: string): Promise<void> {
    if (this.closed || this.watchers.has(dirRel)) return
    let watcher: FSWatcher
    let dir: HeldDir | undefined
    try {
      dir = await this.hold(root, dirRel)
      if (this.closed || this.watchers.has(dirRel)) return
      // The watch is on the directory held, whatever its path says by now.
      watcher = watch(dir.path, { persistent: false, encoding: 'buffer' }, (_event, name) => this.touched(dirRel, name))
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

  private touched(dirRel: string, name: Buffer | null): void {
    if (this.closed) return
    if (name === null) {
      // The kernel dropped the details: re-check everything we know in that directory.
      for (const path of this.known.keys()) if (posix.dirname(path) === dirRel) this.dirty.add(path)
      void this.rescan(dirRel)
    } else {
      if (UPLOAD_TEMP.test(name.toString('utf8'))) return
      this.dirty.add(this.child(dirRel, name))
    }
    if (this.started) this.schedule()
  }

  private async rescan(dirRel: string): Promise<void> {
    const root = await this.openRoot().catch(() => undefined) // gone: the next flush says so
    if (!root) return
    try {
      await this.scan(root, dirRel, true)
    } finally {
      await root.close()
    }
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
    // Removed, or replaced by a file or a link out: gone for this watch.
    const root = await this.openRoot().catch(() => undefined)
    if (!root) {
      this.close()
      this.options.onRootGone()
      return
    }
    try {
      for (const path of paths) if (!this.closed) await this.settle(root, path, true)
    } finally {
      await root.close()
    }
  }

  /** Compares `path` with what we knew, reports the difference, and watches new directories. */
  private async settle(root: HeldDir, path: string, report: boolean): Promise<void> {
    let stats: Stats | undefined
    try {
      stats = await lstat(this.abs(root, path))
    } catch {
      stats = undefined
    }
    const before = this.known.get(path)
    const type = stats && fileTypeOf(stats)
    if (before && (!stats || type !== before.type || (type === 'directory' && stats.ino !== before.ino))) {
      this.forget(path)
      if (report) this.options.onEvent({ type: 'file_event', event: 'remove', path })
    }
    if (!stats || !type) {
      this.raw.delete(path) // a name that came and went: nothing to remember it by
      return
    }
    if (!this.known.has(path)) {
      this.known.set(path, { type, ino: stats.ino })
      if (report) this.options.onEvent({ type: 'file_event', event: 'create', path, fileType: type })
      if (type === 'directory' && this.options.recursive) {
        await this.watchDir(root, path)
        await this.scan(root, path, report)
      }
    } else if (type !== 'directory' && report) {
      this.known.set(path, { type, ino: stats.ino })
      this.options.onEvent({ type: 'file_event', event: 'modify', path, fileType: type })
    }
  }

  /** Learns (and with `report`, announces) the entries of a directory we did not know yet. */
  private async scan(root: HeldDir, dirRel: string, report: boolean): Promise<void> {
    let names: Buffer[]
    let dir: HeldDir | undefined
    try {
      dir = await this.hold(root, dirRel)
      names = await readdir(dir.path, { encoding: 'buffer' })
    } catch {
      return // gone (or replaced by a link) meanwhile: its parent's watcher reports that
    } finally {
      await dir?.close()
    }
    for (const name of names.sort(Buffer.compare)) {
      if (this.closed || UPLOAD_TEMP.test(name.toString('utf8'))) continue
      const path = this.child(dirRel, name)
      if (!this.known.has(path)) await this.settle(root, path, report)
    }
  }

  /** Drops a path and everything below it. */
  private forget(path: string): void {
    const prefix = `${path}/`
    for (const known of [...this.known.keys()]) if (known === path || known.startsWith(prefix)) this.known.delete(known)
    for (const seen of [...this.raw.keys()]) if (seen === path || seen.startsWith(prefix)) this.raw.delete(seen)
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
