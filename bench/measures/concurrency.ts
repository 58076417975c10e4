// 7. Concurrency: 1, 4 and 16 sessions running warm text turns at once, each session's turns
// back to back; turn latency p50 and p99 per round, median over rounds. The baseline of each
// level is the single session of the same run; the same load driven by the SDK in process
// shows how far the CLIs themselves scale on this machine.
import type { ClaudeAgentClient } from '@claude-agent/client'
import { createSession } from '../lib/api.js'
import { onCleanup } from '../lib/cleanup.js'
import { now } from '../lib/clock.js'
import { fromRuns, ratioOf, type Figure, type Value } from '../lib/figure.js'
import type { BenchContext, Measure } from '../lib/measure.js'
import { PROMPT } from '../lib/scenario.js'
import { isResult, startSdkSession, type SdkSession } from '../lib/sdk-session.js'
import { pool } from '../lib/sessions.js'
import { connectClient, startStack } from '../lib/stack.js'
import { summarize } from '../lib/stats.js'

const LEVELS = [1, 4, 16] as const
/** Turns per round at every level (each of `level` sessions runs TURNS / level back to back),
 * so every level's percentiles come from as many samples. */
const TURNS = 16

/** One turn's latency in ms, or the error text of a failed turn. */
type Turn = () => Promise<number | string>

/** Per round: every driver runs its turns back to back, all drivers at once. */
async function rounds(ctx: BenchContext, name: string, drivers: readonly Turn[], runs: number) {
  const p50: Record<number, number[]> = {}
  const p99: Record<number, number[]> = {}
  const failures: string[] = []
  for (const level of LEVELS) {
    p50[level] = []
    p99[level] = []
    for (let r = 0; r < runs; r++) {
      ctx.log(`${name}: ${level} at once, round ${r + 1}/${runs}`)
      const all = await Promise.all(
        drivers.slice(0, level).map(async (turn) => {
          const out: Array<number | string> = []
          for (let t = 0; t < TURNS / level; t++) out.push(await turn())
          return out
        }),
      )
      // A failed turn (the scripted model cannot fail, the machine can: timeouts under load)
      // is reported, not timed: the server restarts that CLI, which is a cold start, not a turn.
      const ok = all.flat().filter((v): v is number => typeof v === 'number')
      failures.push(...all.flat().filter((v): v is string => typeof v === 'string'))
      if (ok.length < TURNS / 2) throw new Error(`most turns failed: ${failures.slice(-3).join('; ')}`)
      const s = summarize(ok)
      p50[level]!.push(s.p50)
      p99[level]!.push(s.p99)
    }
  }
  return { p50, p99, failures }
}

async function viaServer(ctx: BenchContext, runs: number) {
  const stack = await startStack()
  const clients: ClaudeAgentClient[] = []
  try {
    const max = LEVELS.at(-1)!
    ctx.log(`starting ${max} sessions (2 at a time)`)
    clients.push(
      ...(await pool(
        Array.from({ length: max }, (_, i) => `conc-${i}`),
        2,
        async (id) => {
          await createSession(stack.server.url, id)
          const client = await connectClient(stack.server, id)
          await client.prompt(PROMPT.turn) // starts the CLI
          await client.prompt(PROMPT.turn)
          return client
        },
      )),
    )
    const drivers = clients.map((client): Turn => async () => {
      const t0 = now()
      const result = await client.prompt(PROMPT.turn)
      return result.is_error ? `${result.subtype}: ${result.result ?? ''}` : now() - t0
    })
    return await rounds(ctx, 'server', drivers, runs)
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.stop()
  }
}

async function inProcess(ctx: BenchContext, runs: number) {
  const stack = await startStack() // for its model; its server stays idle
  const sessions: SdkSession[] = []
  const stop = onCleanup(async () => {
    await Promise.all(sessions.map((s) => s.close()))
  })
  try {
    const max = LEVELS.at(-1)!
    ctx.log(`starting ${max} in-process SDK sessions (2 at a time)`)
    const turn =
      (sdk: SdkSession): Turn =>
      async () => {
        const from = sdk.received.length
        const t0 = now()
        sdk.send(PROMPT.turn)
        const { at, message } = await sdk.next(isResult, from)
        sdk.received.length = 0 // keep memory flat; `from` is taken fresh each turn
        return message.type === 'result' && message.is_error ? `${message.subtype}` : at - t0
      }
    await pool(Array.from({ length: max }), 2, async () => {
      const sdk = await startSdkSession({ modelUrl: stack.model.url })
      sessions.push(sdk)
      await turn(sdk)()
      await turn(sdk)()
    })
    return await rounds(ctx, 'SDK in-process', sessions.map(turn), runs)
  } finally {
    await stop()
    await stack.stop()
  }
}

export const concurrency: Measure = {
  name: 'concurrency',
  title: 'Concurrency',
  async run(ctx) {
    const runs = ctx.reps(4, 1)
    const server = await viaServer(ctx, runs)
    const direct = await inProcess(ctx, runs)
    const rows: Figure[] = []
    const label = (level: number, what: string) => `median of ${runs} rounds' ${what} (${TURNS} turns each)`
    for (const key of ['p50', 'p99'] as const) {
      const single: Value = fromRuns(server[key][1]!, 'ms', `1 session, same run`)
      for (const level of LEVELS) {
        const figure = fromRuns(server[key][level]!, 'ms', label(level, key))
        const ratio = level === 1 ? null : ratioOf(figure, single)
        const sdk = fromRuns(direct[key][level]!, 'ms', `SDK in-process, ${level} at once, ${key}`)
        const sdkRatio = level === 1 ? undefined : ratioOf(sdk, fromRuns(direct[key][1]!, 'ms', 'SDK 1 session'))
        rows.push({
          id: `concurrency.${level}.${key}`,
          measure: 'concurrency',
          name: `${level} session${level === 1 ? '' : 's'} at once: turn latency ${key}`,
          figure,
          ...(level !== 1 && { baseline: single, ratio }),
          ...(level === 16 && key === 'p99' && { target: { text: "<= 2x 1 session's p99", met: ratio === null ? null : ratio <= 2 } }),
          context: [sdk],
          notes: [
            ...(sdkRatio !== undefined ? [`the CLIs alone (SDK in-process) slow down ${sdkRatio?.toFixed(2)}x at ${level} at once`] : []),
            ...(level === 16 && key === 'p99' && server.failures.length > 0
              ? [`${server.failures.length} turn(s) failed and were not timed: ${server.failures[0]}`]
              : []),
            ...(level === 16 && key === 'p99' && direct.failures.length > 0
              ? [`${direct.failures.length} in-process turn(s) failed: ${direct.failures[0]}`]
              : []),
          ],
        })
      }
    }
    return rows
  },
}
