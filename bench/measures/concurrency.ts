// 7. Concurrency: 1, 4 and 16 sessions running warm text turns at once, each session's turns
// back to back; turn latency p50 and p99 per round, median over rounds. The same load is
// driven by the SDK in process (the same number of CLIs, no relay), round for round: at each
// level a server round and an in-process round alternate, so drift on a noisy machine hits
// both. Issue #16's target compares the two at 16 at once; the single session of the same run
// is the other baseline (how far the machine itself scales).
import type { ClaudeAgentClient } from '@claude-agent/client'
import { createSession } from '../lib/api.js'
import { onCleanup } from '../lib/cleanup.js'
import { now } from '../lib/clock.js'
import { fromRuns, ratioOf, single, type Figure, type Value } from '../lib/figure.js'
import type { BenchContext, Measure } from '../lib/measure.js'
import { PROMPT } from '../lib/scenario.js'
import { isResult, startSdkSession, type SdkSession } from '../lib/sdk-session.js'
import { pool } from '../lib/sessions.js'
import { connectClient, startStack, type Stack } from '../lib/stack.js'
import { summarize } from '../lib/stats.js'

const LEVELS = [1, 4, 16] as const
const MAX = LEVELS.at(-1)!
/** Turns per round at every level (each of `level` sessions runs TURNS / level back to back),
 * so every level's percentiles come from as many samples. */
const TURNS = 16

/** One turn's latency in ms, or the error text of a failed turn. */
type Turn = () => Promise<number | string>

interface Path {
  name: string
  drivers: Turn[]
  p50: Record<number, number[]>
  p99: Record<number, number[]>
  failures: string[]
}

const path = (name: string, drivers: Turn[]): Path => ({ name, drivers, p50: {}, p99: {}, failures: [] })

/** One round: `level` drivers at once, each running its turns back to back. */
async function round(ctx: BenchContext, p: Path, level: number, r: number, runs: number): Promise<void> {
  ctx.log(`${p.name}: ${level} at once, round ${r + 1}/${runs}`)
  const all = await Promise.all(
    p.drivers.slice(0, level).map(async (turn) => {
      const out: Array<number | string> = []
      for (let t = 0; t < TURNS / level; t++) out.push(await turn())
      return out
    }),
  )
  // A failed turn (the scripted model cannot fail, the machine can: timeouts under load)
  // is reported, not timed: the server restarts that CLI, which is a cold start, not a turn.
  const ok = all.flat().filter((v): v is number => typeof v === 'number')
  p.failures.push(...all.flat().filter((v): v is string => typeof v === 'string'))
  if (ok.length < TURNS / 2) throw new Error(`${p.name}: most turns failed: ${p.failures.slice(-3).join('; ')}`)
  const s = summarize(ok)
  ;(p.p50[level] ??= []).push(s.p50)
  ;(p.p99[level] ??= []).push(s.p99)
}

async function serverDrivers(ctx: BenchContext, stack: Stack): Promise<{ drivers: Turn[]; clients: ClaudeAgentClient[] }> {
  ctx.log(`starting ${MAX} server sessions (2 at a time)`)
  const clients = await pool(
    Array.from({ length: MAX }, (_, i) => `conc-${i}`),
    2,
    async (id) => {
      await createSession(stack.server.url, id)
      const client = await connectClient(stack.server, id)
      await client.prompt(PROMPT.turn) // starts the CLI
      await client.prompt(PROMPT.turn)
      return client
    },
  )
  const drivers = clients.map((client): Turn => async () => {
    const t0 = now()
    const result = await client.prompt(PROMPT.turn)
    return result.is_error ? `${result.subtype}: ${result.result ?? ''}` : now() - t0
  })
  return { drivers, clients }
}

async function inProcessDrivers(ctx: BenchContext, stack: Stack, sessions: SdkSession[]): Promise<Turn[]> {
  ctx.log(`starting ${MAX} in-process SDK sessions (2 at a time)`)
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
  await pool(Array.from({ length: MAX }), 2, async () => {
    const sdk = await startSdkSession({ modelUrl: stack.model.url })
    sessions.push(sdk)
    await turn(sdk)()
    await turn(sdk)()
  })
  return sessions.map(turn)
}

async function measureBoth(ctx: BenchContext, runs: number) {
  const stack = await startStack() // its model serves both paths
  const sessions: SdkSession[] = []
  let clients: ClaudeAgentClient[] = []
  const stopSdk = onCleanup(async () => void (await Promise.all(sessions.map((s) => s.close()))))
  try {
    const started = await serverDrivers(ctx, stack)
    clients = started.clients
    const server = path('server', started.drivers)
    const direct = path('SDK in-process', await inProcessDrivers(ctx, stack, sessions))
    let serverCpuAt16 = 0
    for (const level of LEVELS) {
      for (let r = 0; r < runs; r++) {
        // Alternate which goes first, so neither always follows the other.
        for (const p of r % 2 === 0 ? [server, direct] : [direct, server]) {
          const cpu0 = p === server && level === MAX ? await stack.server.cpuMs() : 0
          await round(ctx, p, level, r, runs)
          if (p === server && level === MAX) serverCpuAt16 += (await stack.server.cpuMs()) - cpu0
        }
      }
    }
    return { server, direct, serverCpuPerTurnAt16: serverCpuAt16 / (runs * TURNS) }
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
    await stopSdk()
    await stack.stop()
  }
}

/** Issue #16 item 5: the server at 16 at once against the same 16 CLIs driven in process. */
function versusInProcess(server: Path, direct: Path, runs: number, cpuPerTurn: number): Figure {
  const figure = fromRuns(server.p99[MAX]!, 'ms', `median of ${runs} rounds' p99 (${TURNS} turns each)`)
  const baseline = fromRuns(direct.p99[MAX]!, 'ms', `the same ${MAX} CLIs driven by the SDK in-process, p99`)
  const ratio = ratioOf(figure, baseline)
  return {
    id: `concurrency.${MAX}.p99.sdk`,
    measure: 'concurrency',
    name: `${MAX} sessions at once: turn latency p99 vs the same ${MAX} CLIs in-process`,
    figure,
    baseline,
    ratio,
    target: { text: '<= 1.1x baseline', met: ratio === null ? null : ratio <= 1.1 },
    context: [single(cpuPerTurn, 'ms', `server process CPU time per turn at ${MAX} at once`)],
    notes: [
      'rounds alternate between the server and the in-process SDK; both sets of CLIs stay up (idle) while the other runs',
      ...(server.failures.length > 0 ? [`${server.failures.length} server turn(s) failed and were not timed: ${server.failures[0]}`] : []),
      ...(direct.failures.length > 0 ? [`${direct.failures.length} in-process turn(s) failed: ${direct.failures[0]}`] : []),
    ],
  }
}

export const concurrency: Measure = {
  name: 'concurrency',
  title: 'Concurrency',
  async run(ctx) {
    const runs = ctx.reps(4, 1)
    const { server, direct, serverCpuPerTurnAt16 } = await measureBoth(ctx, runs)
    const rows: Figure[] = []
    const label = (level: number, what: string) => `median of ${runs} rounds' ${what} (${TURNS} turns each)`
    for (const key of ['p50', 'p99'] as const) {
      const one: Value = fromRuns(server[key][1]!, 'ms', `1 session, same run`)
      for (const level of LEVELS) {
        const figure = fromRuns(server[key][level]!, 'ms', label(level, key))
        const ratio = level === 1 ? null : ratioOf(figure, one)
        const sdk = fromRuns(direct[key][level]!, 'ms', `SDK in-process, ${level} at once, ${key}`)
        const sdkRatio = level === 1 ? undefined : ratioOf(sdk, fromRuns(direct[key][1]!, 'ms', 'SDK 1 session'))
        rows.push({
          id: `concurrency.${level}.${key}`,
          measure: 'concurrency',
          name: `${level} session${level === 1 ? '' : 's'} at once: turn latency ${key}`,
          figure,
          ...(level !== 1 && { baseline: one, ratio }),
          ...(level === MAX && key === 'p99' && { target: { text: "<= 2x 1 session's p99", met: ratio === null ? null : ratio <= 2 } }),
          context: [sdk],
          notes: sdkRatio !== undefined ? [`the CLIs alone (SDK in-process) slow down ${sdkRatio?.toFixed(2)}x at ${level} at once`] : [],
        })
      }
    }
    rows.push(versusInProcess(server, direct, runs, serverCpuPerTurnAt16))
    return rows
  },
}
