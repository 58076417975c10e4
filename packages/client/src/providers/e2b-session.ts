// One E2B sandbox per session id (a user, a task): the sandbox is found by its metadata, resumed
// if paused (the SDK's connect), created if missing. E2B has no "create unless it exists", so two
// clients starting the same id at once may both create one: each looks again after creating, and
// all agree on the oldest sandbox (by start time, then id); a creator that lost kills its own
// and joins the winner. E2B lists a sandbox once it runs, so a creator that saw only its own
// was the first.
import type { Sandbox } from 'e2b'

/** The metadata key that names a sandbox's session. */
export const SESSION_METADATA_KEY = 'claude-agent-session'

export interface SessionSandboxSteps {
  /** The session's sandboxes E2B lists (running or paused), as id and start time. */
  list(): Promise<Array<{ sandboxId: string; startedAt: Date }>>
  /** Connect to (and so resume) a sandbox; the SDK's errors as they are. */
  connect(sandboxId: string): Promise<Sandbox>
  create(): Promise<Sandbox>
  kill(sandbox: Sandbox): Promise<void>
  log(message: string): void
}

/** The session's sandbox, and whether it existed already (its server may be running). */
export async function sessionSandbox(sessionId: string, steps: SessionSandboxSteps): Promise<{ sandbox: Sandbox; reuse: boolean }> {
  const existing = await oldest(steps)
  if (existing) {
    try {
      steps.log(`session ${sessionId}: sandbox ${existing} found`)
      return { sandbox: await steps.connect(existing), reuse: true }
    } catch (error) {
      // Killed (or timed out) since it was listed: make a new one.
      if (!isNotFound(error)) throw error
      steps.log(`session ${sessionId}: sandbox ${existing} went away, creating another`)
    }
  }
  const created = await steps.create()
  const winner = await oldest(steps)
  if (!winner || winner === created.sandboxId) return { sandbox: created, reuse: false }
  steps.log(`session ${sessionId}: another client created sandbox ${winner} first; joining it`)
  await steps.kill(created)
  return { sandbox: await steps.connect(winner), reuse: true }
}

async function oldest(steps: SessionSandboxSteps): Promise<string | undefined> {
  const found = await steps.list()
  found.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.sandboxId < b.sandboxId ? -1 : 1))
  return found[0]?.sandboxId
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : ''
  return name === 'SandboxNotFoundError' || name === 'NotFoundError'
}
