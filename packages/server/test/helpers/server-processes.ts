// What the tests that run servers as processes on one data dir share (restart, chaos, the
// data-dir lock, PostgreSQL, the cluster): a temp dir (HOME, and DATA_DIR in it), a scripted
// model, the servers' common environment, and at the end every spawned process killed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startScriptedModel, type Reply, type Scenario, type ScriptedModel, type Script } from '@claude-agent/scripted-model'
import { spawnServer, type ServerProcess } from './server-process.js'
import { TEST_API_KEY } from './stack.js'

/** A reply streamed slowly enough to cut (a kill, a stop, a shutdown) while it runs. */
export const slowReply = (text: string, chunkDelayMs = 50): Reply => ({ content: [{ type: 'text', text }], chunkSize: 5, chunkDelayMs })

/** A conversation carried over a restart: a name told, a long turn to cut, the name asked back. */
export const REMEMBER_ADA: Script[] = [
  { match: { prompt: 'my name is Ada' }, replies: [{ content: [{ type: 'text', text: 'Hello Ada' }] }] },
  { match: { prompt: 'long task' }, replies: [slowReply('slow '.repeat(200))] },
  { match: { prompt: 'what is my name' }, replies: [{ content: [{ type: 'text', text: 'Your name is Ada' }] }] },
]

export class ServerProcesses {
  private readonly spawned: ServerProcess[] = []

  private constructor(
    readonly dir: string,
    readonly model: ScriptedModel,
    /** What every server here runs with (spawn adds to it). */
    readonly env: Record<string, string>,
  ) {}

  /** `name` names the temp dir; `env` adds to (or overrides) the common environment. */
  static async start(name: string, scenario: Scenario, env: Record<string, string> = {}): Promise<ServerProcesses> {
    const dir = mkdtempSync(join(tmpdir(), `cas-${name}-`))
    const model = await startScriptedModel({ scenario }).catch((err: unknown) => {
      rmSync(dir, { recursive: true, force: true })
      throw err
    })
    const common = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
    }
    return new ServerProcesses(dir, model, { ...common, ...env })
  }

  get dataDir(): string {
    return this.env['DATA_DIR']!
  }

  /** A server process on the shared dir, killed by `stop` whatever the test did with it. */
  async spawn(env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = await spawnServer({ ...this.env, ...env }, this.dir)
    this.spawned.push(server)
    return server
  }

  /** Kills every server (a SIGSTOPped one is continued, so it dies now), then the model and the dir. */
  async stop(): Promise<void> {
    for (const server of this.spawned) {
      server.child.kill('SIGCONT')
      server.child.kill('SIGKILL')
    }
    await this.model.close()
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  }
}
