// Where each session works. The default session (the original protocol's) keeps the workspace
// directory itself, so a WORKSPACE_DIR that already holds its files goes on serving them; every
// other session gets a directory of its own, `<sessions root>/sessions/<id>`, or the shared
// `<sessions root>/shared/<name>` its config names. The sessions root is apart from the
// workspace directory: neither contains the other, so no session reaches another's files.
import { linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SessionConfig } from '@claude-agent/protocol'
import { Workspace } from '../files/workspace-path.js'
import { removeTree, removeTreeSync } from '../remove-tree.js'

/** The id of the session the original protocol speaks to. */
export const DEFAULT_SESSION_ID = 'default'

export class WorkspaceLayout {
  constructor(
    /** The default session's directory (WORKSPACE_DIR). */
    readonly defaultRoot: string,
    /** Where the other sessions' directories are: `sessions/<id>`, `shared/<name>`. */
    readonly sessionsRoot: string,
  ) {}

  /** The directory a session works in (not created). */
  rootFor(id: string, config: Pick<SessionConfig, 'workspace'>): string {
    if (id === DEFAULT_SESSION_ID) return this.defaultRoot
    if (config.workspace) return join(this.sessionsRoot, 'shared', config.workspace.shared)
    return join(this.sessionsRoot, 'sessions', id)
  }

  /** A session's workspace, its directory created if missing. */
  workspaceFor(id: string, config: Pick<SessionConfig, 'workspace'>): Workspace {
    const root = this.rootFor(id, config)
    mkdirSync(root, { recursive: true })
    return new Workspace(root)
  }

  /** Who first worked in the shared workspace `name`: kept beside the shared directories
   * (`shared-owners/<name>`, out of every sandbox's reach), so a directory its last session
   * left keeps its owner. Undefined when none is recorded (made before owners were). */
  sharedOwner(name: string): string | undefined {
    try {
      return readFileSync(this.ownerFile(name), 'utf8').trim() || undefined
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  /** Records `owner` as the shared workspace's unless one is already; returns the one that
   * holds it. The file is written aside, then linked into place: the link fails when the name
   * is taken (the first wins, also across nodes sharing DATA_DIR), and no one ever reads it
   * half written. */
  claimShared(name: string, owner: string): string {
    const dir = join(this.sessionsRoot, 'shared-owners')
    mkdirSync(dir, { recursive: true })
    const aside = join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}`)
    writeFileSync(aside, owner)
    try {
      linkSync(aside, this.ownerFile(name))
      return owner
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      return this.sharedOwner(name) ?? owner
    } finally {
      rmSync(aside, { force: true })
    }
  }

  /** How many shared workspaces `owner` is recorded for (their directories outlive their sessions). */
  sharedOwnedBy(owner: string): number {
    let names: string[]
    try {
      names = readdirSync(join(this.sessionsRoot, 'shared-owners'))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
      throw err
    }
    // Files being written aside start with a dot; workspace names never do.
    return names.filter((name) => !name.startsWith('.') && this.sharedOwner(name) === owner).length
  }

  private ownerFile(name: string): string {
    return join(this.sessionsRoot, 'shared-owners', name)
  }

  /** Removes a deleted session's own directory; a shared one (and the default) stays. */
  removeOwn(id: string, config: Pick<SessionConfig, 'workspace'>): void {
    if (id === DEFAULT_SESSION_ID || config.workspace) return
    removeTreeSync(this.rootFor(id, config))
  }

  /** removeOwn without blocking the event loop: for a tree the agent made, however large. */
  async removeOwnTree(id: string, config: Pick<SessionConfig, 'workspace'>): Promise<void> {
    if (id === DEFAULT_SESSION_ID || config.workspace) return
    await removeTree(this.rootFor(id, config))
  }
}
