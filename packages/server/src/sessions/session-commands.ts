// The commands (POST /sessions/:id/exec) running in a session's sandbox. A delete stops them
// with its CLI, and removes the session's files only once they have exited: a command left
// running would outlive its session (and its workspace, from under it) until its timeout.
import { ServerError } from '../errors.js'

export class SessionCommands {
  private readonly running = new Map<symbol, () => void>()
  private idle: Array<() => void> = []
  private stopped = false

  /** Tracks a command until the returned release is called (once it has exited). `stop` kills
   * it. Throws SESSION_NOT_FOUND once the session stopped for good (a request whose body
   * arrived after the delete): nothing of a deleted session may start, or be made again. */
  hold(sessionId: string, stop: () => void): () => void {
    if (this.stopped) throw new ServerError('SESSION_NOT_FOUND', `No session with id "${sessionId}"`)
    const key = Symbol('command')
    this.running.set(key, stop)
    return () => {
      if (!this.running.delete(key) || this.running.size > 0) return
      for (const resolve of this.idle.splice(0)) resolve()
    }
  }

  /** Kills every command and takes no new ones. */
  stopAll(): void {
    this.stopped = true
    for (const stop of [...this.running.values()]) stop()
  }

  /** Resolves once no command runs. */
  settled(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }
}
