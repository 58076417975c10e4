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
import { median } from '../lib/stats.js'
import { connectClient, startStack } from '../lib/stack.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'

/** Only the turn that starts each CLI is left out: the warm-up figures need the next ones. */
const WARMUP = 1
/** Turns 1-10 and 50-100 after the CLI's start (its JIT keeps warming for ~50 turns). */
const EARLY = [0, 10] as const
const LATE = [49, 100] as const

export const turnOverhead: Measure = {
  name: 'turn',
  title: 'Turn overhead',
  async run(ctx) {
    const turns = ctx.reps(100, 10)
    const stack = await startStack()
    const sdk = await startSdkSession({ modelUrl: stack.model.url })
    const sdkLean = await startSdkSession({ modelUrl: stack.model.url, profile: 'lean' })
    const stopSdk = onCleanup(async () => void (await Promise.all([sdk.close(), sdkLean.close()])))
    try {
      await createSession(stack.server.url, 'turns')
      await createSession(stack.server.url, 'turns-raw')
      await createSession(stack.server.url, 'turns-lean', { profile: 'lean' })
      const client = await connectClient(stack.server, 'turns')
      const leanClient = await connectClient(stack.server, 'turns-lean')
      const raw = await WsRecorder.open(stack.server.wsUrl('turns-raw'))
      const through = (c: typeof client) => async () => {
        const t0 = now()
        const result = await c.prompt(PROMPT.turn)
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
      const inProcessOn = (s: typeof sdk) => async () => {
        const from = s.received.length
        const t0 = now()
        s.send(PROMPT.turn)
        const { at, message } = await s.next(isResult, from)
        if (message.type === 'result' && message.is_error) throw new Error(`a turn failed: ${message.subtype}`)
        return at - t0
      }
      const paths = [through(client), viaRawSocket, inProcessOn(sdk), through(leanClient), inProcessOn(sdkLean)]
      ctx.log(`warming up (${WARMUP} turns each; the first starts the CLI)`)
      for (let i = 0; i < WARMUP; i++) for (const path of paths) await path()

      ctx.log(`${turns} warm turns each, taking turns`)
      const samples: number[][] = paths.map(() => [])
      const cpu0 = await stack.server.cpuMs()
      for (let i = 0; i < turns; i++) {
        // Rotate the order each round so none always runs right after another.
        for (let k = 0; k < paths.length; k++) {
          const p = (i + k) % paths.length
          samples[p]!.push(await paths[p]!())
        }
      }
      const serverCpuPerTurn = ((await stack.server.cpuMs()) - cpu0) / (3 * turns)
      await client.stop()
      await leanClient.stop()
      await raw.close()
      const [server, socket, direct, lean, directLean] = samples as [number[], number[], number[], number[], number[]]
      const figure = fromRuns(server, 'ms', `median of ${turns} warm turns`)
      const baseline = fromRuns(direct, 'ms', 'SDK in-process')
      const ratio = ratioOf(figure, baseline)
      const added = server.map((ms, i) => ms - direct[i]!)
      const row: Figure = {
        id: 'turn.warm',
        measure: 'turn overhead',
        name: 'warm text turn, client -> server -> SDK and back',
        figure,
        baseline,
        ratio,
        // Issue #16: the relay at its limit is the in-process SDK plus 1 ms, paired per round.
        target: { text: '<= SDK in-process + 1 ms (median added, paired)', met: median(added) <= 1 },
        context: [
          fromRuns(added, 'ms', 'added per turn (paired with the in-process turn of the same round)'),
          fromRuns(socket, 'ms', 'same turn from a bare WebSocket client (no ClaudeAgentClient)'),
          single(serverCpuPerTurn, 'ms', 'server process CPU time per turn'),
        ],
      }
      return [row, ...leanRows(lean, directLean, figure), ...warmUpRows(server, direct)]
    } finally {
      await stopSdk()
      await stack.stop()
    }
  },
}

function leanRows(lean: number[], directLean: number[], defaultFigure: Figure['figure']): Figure[] {
  const figure = fromRuns(lean, 'ms', `median of ${lean.length} warm turns`)
  const baseline = fromRuns(directLean, 'ms', 'SDK in-process, lean switches')
  const ratio = ratioOf(figure, baseline)
  return [
    {
      id: 'turn.lean',
      measure: 'turn overhead',
      name: 'lean profile: warm text turn, client -> server -> SDK and back',
      figure,
      baseline,
      ratio,
      target: { text: '<= 1.05x baseline', met: ratio === null ? null : ratio <= 1.05 },
      context: [
        single(ratioOf(figure, defaultFigure) ?? Number.NaN, 'x', 'lean / default warm turn, same run'),
        fromRuns(
          lean.map((ms, i) => ms - directLean[i]!),
          'ms',
          'added per turn (paired with the lean in-process turn of the same round)',
        ),
      ],
    },
  ]
}

function warmUpRows(server: number[], direct: number[]): Figure[] {
  if (server.length < LATE[1]) return []
  const spans = [
    ['turn.first10', 'warm-up: turns 1-10 after the CLI started', EARLY],
    ['turn.late', 'warmed up: turns 50-100', LATE],
  ] as const
  return spans.map(([id, name, [from, to]]) => {
    const figure = fromRuns(server.slice(from, to), 'ms', `median of turns ${from + 1}-${to}`)
    const baseline = fromRuns(direct.slice(from, to), 'ms', 'SDK in-process, same turns')
    return { id, measure: 'turn overhead', name, figure, baseline, ratio: ratioOf(figure, baseline) } as Figure
  })
}
