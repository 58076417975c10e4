// The stack under test: the scripted model (behind the tap) in this process and the real
// server as a child process, stopped together, also when the bench fails.
import { ClaudeAgentClient } from '@claude-agent/client'
import { onCleanup } from './cleanup.js'
import { startBenchModel, type BenchModel } from './model.js'
import { spawnServer, type ServerProcessOptions, type ServerProcess } from './server-process.js'

export interface Stack {
  model: BenchModel
  server: ServerProcess
  stop(): Promise<void>
}

export async function startStack(options: Omit<ServerProcessOptions, 'modelUrl'> = {}): Promise<Stack> {
  const model = await startBenchModel()
  const stopModel = onCleanup(() => model.close())
  const server = await spawnServer({ ...options, modelUrl: model.url })
  const stopServer = onCleanup(() => server.stop())
  return {
    model,
    server,
    async stop() {
      await stopServer()
      await stopModel()
    },
  }
}

/** A ClaudeAgentClient attached to one session (the product's client, end to end). */
export async function connectClient(server: ServerProcess, sessionId: string): Promise<ClaudeAgentClient> {
  const client = new ClaudeAgentClient({ connectionUrl: `${server.url}/sessions/${sessionId}`, connectTimeoutMs: 30_000 })
  await client.start()
  return client
}
