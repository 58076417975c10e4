// 1. Turn overhead: a warm text turn through ClaudeAgentClient -> server -> SDK -> CLI and back,
// against the same turn driven by the SDK in this process (the limit for any relay). A third
// path, a bare WebSocket client on a second session, splits the overhead between the client
// library and the server. The paths take turns, so drift on a noisy machine hits all alike.
import { now } from '../lib/clock.js'
import { onCleanup } from '../lib/cleanup.js'
import { createSession } from '../lib/api.js'
import { fromRuns, ratioOf, single, type Figure } from '../lib/figure.js'
import type { Measure } from '../lib/measure.js'
import { PROMPT } from '../lib/scenario.js'
import { isResult, startSdkSession } from '../lib/sdk-session.js'
import { connectClient, startStack } from '../lib/stack.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'

const WARMUP = 3

export const turnOverhead: Measure = {
  name: 'turn',
  title: 'Turn overhead',
  async run(ctx) {
    const turns = ctx.reps(60, 10)
    const stack = await startStack()
    const sdk = await startSdkSession({ modelUrl: stack.model.url })
    const stopSdk = onCleanup(() => sdk.close())
    try {
      await createSession(stack.server.url, 'turns')
      await createSession(stack.server.url, 'turns-raw')
      const client = await connectClient(stack.server, 'turns')
      const raw = await WsRecorder.open(stack.server.wsUrl('turns-raw'))
      const viaClient = async () => {
        const t0 = now()
        const result = await client.prompt(PROMPT.turn)
        const ms = now() - t0
        if (result.is_error) throw new Error(`a turn failed: ${result.subtype}: ${result.result ?? ''}`)
        return ms
      }
      const viaRawSocket = async () => {
        raw.clear()
        const t0 = now()
        raw.prompt(PROMPT.turn)
        const { at } = await raw.next(is.result)
        return at - t0
      }
      const inProcess = async () => {
        const from = sdk.received.length
        const t0 = now()
        sdk.send(PROMPT.turn)
        const { at, message } = await sdk.next(isResult, from)
        if (message.type === 'result' && message.is_error) throw new Error(`a turn failed: ${message.subtype}`)
        return at - t0
      }
      const paths = [viaClient, viaRawSocket, inProcess]
      ctx.log(`warming up (${WARMUP} turns each; the first starts the CLI)`)
      for (let i = 0; i < WARMUP; i++) for (const path of paths) await path()

      ctx.log(`${turns} warm turns each, taking turns`)
      const samples: number[][] = [[], [], []]
      const cpu0 = await stack.server.cpuMs()
      for (let i = 0; i < turns; i++) {
        // Rotate the order each round so none always runs right after another.
        for (let k = 0; k < paths.length; k++) {
          const p = (i + k) % paths.length
          samples[p]!.push(await paths[p]!())
        }
      }
      const serverCpuPerTurn = ((await stack.server.cpuMs()) - cpu0) / (2 * turns)
      await client.stop()
      await raw.close()
      const [server, socket, direct] = samples as [number[], number[], number[]]
      const figure = fromRuns(server, 'ms', `median of ${turns} warm turns`)
      const baseline = fromRuns(direct, 'ms', 'SDK in-process')
      const ratio = ratioOf(figure, baseline)
      const row: Figure = {
        id: 'turn.warm',
        measure: 'turn overhead',
        name: 'warm text turn, client -> server -> SDK and back',
        figure,
        baseline,
        ratio,
        target: { text: '<= 1.05x baseline', met: ratio === null ? null : ratio <= 1.05 },
        context: [
          fromRuns(
            server.map((ms, i) => ms - direct[i]!),
            'ms',
            'added per turn (paired with the in-process turn of the same round)',
          ),
          fromRuns(socket, 'ms', 'same turn from a bare WebSocket client (no ClaudeAgentClient)'),
          single(serverCpuPerTurn, 'ms', 'server process CPU time per turn'),
        ],
      }
      return [row]
    } finally {
      await stopSdk()
      await stack.stop()
    }
  },
}
