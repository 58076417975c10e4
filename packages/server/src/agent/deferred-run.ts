// An AgentRun whose CLI starts only once `gate` resolves: under the agent cap a CLI waits
// while the one released for it is still exiting, so the two never run at once. Prompts
// sent meanwhile are kept and passed on in order; a run closed before then never starts.
import type { SdkMessage, UserMessage } from '@claude-agent/protocol'
import type { AgentControl, AgentRun } from './agent.js'

/** `start` runs once `gate` has resolved (unless the run was closed first). */
export function deferredRun(gate: Promise<void>, start: () => AgentRun): AgentRun {
  return new DeferredRun(gate, start)
}

class DeferredRun implements AgentRun {
  readonly messages: AsyncIterable<SdkMessage>
  private run: AgentRun | undefined
  private closed = false
  private readonly pending: UserMessage[] = []
  /** The started run; none when it was closed before its start. Rejects when start threw. */
  private readonly started: Promise<AgentRun | undefined>

  constructor(gate: Promise<void>, start: () => AgentRun) {
    this.started = gate.then(() => {
      if (this.closed) return undefined
      this.run = start()
      for (const message of this.pending.splice(0)) this.run.send(message)
      return this.run
    })
    const started = this.started
    this.messages = {
      async *[Symbol.asyncIterator]() {
        const run = await started
        if (run) yield* run.messages
      },
    }
  }

  get pid(): number | undefined {
    return this.run?.pid
  }

  send(message: UserMessage): void {
    if (this.run) this.run.send(message)
    else this.pending.push(message)
  }

  async interrupt(): Promise<void> {
    await (await this.started)?.interrupt()
  }

  async control(request: AgentControl): Promise<unknown> {
    const run = await this.started
    if (!run) throw new Error('the agent was stopped before it started')
    return run.control(request)
  }

  async close(): Promise<void> {
    this.closed = true
    const run = await this.started.catch(() => undefined)
    await run?.close()
  }
}
