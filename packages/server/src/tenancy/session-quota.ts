// How many sessions a member may own at once (MAX_SESSIONS_PER_PRINCIPAL). Each session can
// run a Claude Code process (~230 MB) and its tools up to the session's limits, so without a
// count one member could take the whole machine by creating sessions. Admins are not counted.
// A create reserves its place before it counts, so creates racing each other on this node see
// each other; nodes of a cluster racing each other may overshoot by a create each.
import type { Principal } from './principal.js'
import { ServerError } from '../errors.js'

export class SessionQuota {
  private readonly pending = new Map<string, number>()

  /** `max` 0: no limit. `owned`: how many sessions the principal owns now (every node's). */
  constructor(
    private readonly max: number,
    private readonly owned: (principal: string) => Promise<number>,
  ) {}

  /** The count `principal` is held to (0: none): admins are not counted. Also how many shared
   * workspaces it may own, since those outlive their sessions with their files. */
  limitFor(principal: Principal): number {
    return principal.role === 'admin' ? 0 : this.max
  }

  /** Holds a place for one more session of `principal`; call the returned function once the
   * create has ended (made or failed). @throws FORBIDDEN (`action: session_limit`) when full. */
  async reserve(principal: Principal): Promise<() => void> {
    if (this.max === 0 || principal.role === 'admin') return () => undefined
    const id = principal.id
    const before = this.pending.get(id) ?? 0
    this.pending.set(id, before + 1)
    let released = false
    const release = () => {
      if (released) return
      released = true
      const left = (this.pending.get(id) ?? 1) - 1
      if (left > 0) this.pending.set(id, left)
      else this.pending.delete(id)
    }
    try {
      const owned = await this.owned(id)
      if (owned + before >= this.max) {
        throw new ServerError('FORBIDDEN', `${id} owns as many sessions as a member may (${this.max}): delete one first`, {
          action: 'session_limit',
          limit: this.max,
          owned,
        })
      }
    } catch (err) {
      release()
      throw err
    }
    return release
  }
}
