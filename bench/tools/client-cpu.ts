// `node --import tsx bench/tools/client-cpu.ts [--turns N] [--warmup N]`: this process's own CPU
// per warm text turn for three drivers of the same scripted model (which runs here for all
// three): the product's client (ClaudeAgentClient) through the server, a bare WebSocket
// client through the server, and the SDK in process (no server). The first minus the second
// is what the client library costs per turn; the third is what the in-process baseline costs.
import { createSession } from '../lib/api.js'
import { PROMPT } from '../lib/scenario.js'
import { isResult, startSdkSession } from '../lib/sdk-session.js'
import { connectClient, startStack } from '../lib/stack.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'
import { option, runTool } from '../lib/tool.js'

const cpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

async function perTurn(turn: () => Promise<void>, warmup: number, turns: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await turn()
  const c0 = cpuMs()
  for (let i = 0; i < turns; i++) await turn()
  return (cpuMs() - c0) / turns
}

async function main(): Promise<void> {
  const turns = Number(option('--turns') ?? 200)
  const warmup = Number(option('--warmup') ?? 30)
  const rounds = Number(option('--rounds') ?? 3)
  const stack = await startStack()
  try {
    await createSession(stack.server.url, 'client-cpu')
    await createSession(stack.server.url, 'bare-cpu')
    const client = await connectClient(stack.server, 'client-cpu')
    const ws = await WsRecorder.open(stack.server.wsUrl('bare-cpu'))
    const sdk = await startSdkSession({ modelUrl: stack.model.url })
    const drivers: Record<string, () => Promise<void>> = {
      'ClaudeAgentClient via the server': async () => void (await client.prompt(PROMPT.turn)),
      'bare WebSocket via the server': async () => {
        ws.clear()
        ws.prompt(PROMPT.turn)
        await ws.next(is.result, 0, 600_000)
      },
      'SDK in process': async () => {
        const from = sdk.received.length
        sdk.send(PROMPT.turn)
        await sdk.next(isResult, from)
        sdk.received.length = 0
      },
    }
    const figures: Record<string, number[]> = {}
    for (let r = 0; r < rounds; r++)
      for (const [name, turn] of Object.entries(drivers)) (figures[name] ??= []).push(await perTurn(turn, r === 0 ? warmup : 5, turns))
    for (const [name, values] of Object.entries(figures))
      console.log(`${values.map((v) => v.toFixed(2)).join(' ')} ms  this process's CPU per turn: ${name}`)
    await client.stop()
    await ws.close()
    await sdk.close()
  } finally {
    await stack.stop()
  }
}

runTool(main)
