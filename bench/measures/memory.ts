// 4. Memory: the server's own memory per idle session (created, never started), per released
// session (ran a turn, CLI released by the idle timeout) and per running session (CLI up,
// client attached), and each CLI's RSS. The server runs as a child process so its RSS is its
// own; memory is read after a full GC. The baseline is the same server with no sessions.
import { deleteSession, getSession } from '../lib/api.js'
import { sleep, waitFor } from '../lib/clock.js'
import { fromRuns, single, type Figure } from '../lib/figure.js'
import type { BenchContext, Measure } from '../lib/measure.js'
import { totalmem } from 'node:os'
import { memAvailableMb, treeKb, waitGone } from '../lib/proc.js'
import type { ServerMemory, ServerProcess } from '../lib/server-process.js'
import { createSessions, pool, startLiveSession, type LiveSession } from '../lib/sessions.js'
import { startStack } from '../lib/stack.js'
import { median } from '../lib/stats.js'

const MB = 1024
/** Leave this much memory free: a CLI holds ~200 MB. */
const RESERVE_MB = 4096
const RELEASED = 12
/** Sessions run and released before the baseline: V8 keeps compiling (feedback vectors,
 * baseline code) over the first sessions, which is no session's own memory. */
const RELEASED_WARMUP = 6

/** Reads (each after a full GC) until three in a row agree within 512 KiB; their median. */
async function settled(server: ServerProcess): Promise<ServerMemory> {
  const readings: ServerMemory[] = []
  for (let i = 0; i < 12; i++) {
    readings.push(await server.memory())
    const last = readings.slice(-3)
    const rss = last.map((r) => r.rssKb)
    if (last.length === 3 && Math.max(...rss) - Math.min(...rss) <= 512) break
    await sleep(250)
  }
  const last = readings.slice(-3)
  const pick = (key: Exclude<keyof ServerMemory, 'spaces'>) => median(last.map((r) => r[key]))
  return {
    ...last.at(-1)!,
    rssKb: pick('rssKb'),
    heapUsed: pick('heapUsed'),
    heapTotal: pick('heapTotal'),
    external: pick('external'),
    arrayBuffers: pick('arrayBuffers'),
  }
}

/** Memory per session between two levels: the slope, free of one-off costs (code loaded on first use). */
function slope(a: Level, b: Level, key: 'rssKb' | 'heapKb'): number {
  return (b[key] - a[key]) / (b.sessions - a.sessions)
}

interface Level {
  sessions: number
  rssKb: number
  heapKb: number
}

/** One server: memory with 0 sessions, then at each level of idle sessions. */
async function idleRun(ctx: BenchContext, levels: readonly number[]): Promise<{ empty: ServerMemory; at: Level[] }> {
  const stack = await startStack()
  try {
    // Warm the code paths first so the baseline is not the pre-JIT, pre-first-request server.
    await createSessions(stack.server, 'warmup-', 0, 100)
    await pool(
      Array.from({ length: 100 }, (_, i) => `warmup-${i}`),
      8,
      (id) => deleteSession(stack.server.url, id),
    )
    const empty = await settled(stack.server)
    const at: Level[] = []
    let made = 0
    for (const n of levels) {
      await createSessions(stack.server, 'idle-', made, n)
      made = n
      const m = await settled(stack.server)
      at.push({ sessions: n, rssKb: m.rssKb - empty.rssKb, heapKb: (m.heapUsed - empty.heapUsed) / 1024 })
      ctx.log(`  ${n} idle sessions: RSS +${((m.rssKb - empty.rssKb) / MB).toFixed(1)} MB`)
    }
    return { empty, at }
  } finally {
    await stack.stop()
  }
}

/** Runs a turn in each session, lets the idle timeout release every CLI. */
async function runAndRelease(server: ServerProcess, ids: readonly string[]): Promise<void> {
  const live = await pool(ids, 2, (id) => startLiveSession(server, id))
  await Promise.all(live.map((s) => s.client.close()))
  await waitGone(
    live.map((s) => s.pid),
    20_000,
  )
  await waitFor('every session suspended', async () => {
    const states = await Promise.all(ids.map((id) => getSession(server.url, id)))
    return states.every((s) => s.state === 'suspended' && s.run === null)
  })
}

interface Released {
  rssKb: number
  /** JS heap outside the code spaces: objects, strings, and compiler metadata. */
  heapKb: number
  /** Code spaces: machine code V8 compiles as the session paths get hot; levels off. */
  codeKb: number
}

const codeBytes = (m: ServerMemory) => (m.spaces['code_space'] ?? 0) + (m.spaces['code_large_object_space'] ?? 0)

/** Sessions that ran a turn and were released: per-session memory left behind. */
async function releasedRun(ctx: BenchContext): Promise<Released> {
  const stack = await startStack({ env: { SESSION_IDLE_TIMEOUT_MS: '300' } })
  try {
    await runAndRelease(
      stack.server,
      Array.from({ length: RELEASED_WARMUP }, (_, i) => `released-warmup-${i}`),
    )
    const empty = await settled(stack.server)
    await runAndRelease(
      stack.server,
      Array.from({ length: RELEASED }, (_, i) => `released-${i}`),
    )
    const m = await settled(stack.server)
    const code = (codeBytes(m) - codeBytes(empty)) / 1024
    const heap = (m.heapUsed - empty.heapUsed) / 1024 - code
    ctx.log(
      `  ${RELEASED} released sessions: RSS +${((m.rssKb - empty.rssKb) / MB).toFixed(1)} MB, heap +${(heap / 1024).toFixed(2)} MB, code +${(code / 1024).toFixed(2)} MB`,
    )
    return { rssKb: (m.rssKb - empty.rssKb) / RELEASED, heapKb: heap / RELEASED, codeKb: code / RELEASED }
  } finally {
    await stack.stop()
  }
}

interface RunningLevel extends Level {
  /** RSS of each CLI, KiB. */
  cliKb: number[]
}

async function runningRun(ctx: BenchContext, levels: readonly number[]): Promise<{ at: RunningLevel[]; stoppedAt?: string }> {
  const stack = await startStack()
  const live: LiveSession[] = []
  try {
    // One session started and deleted first: the SDK's first use loads code every session shares.
    const warmup = await startLiveSession(stack.server, 'running-warmup')
    await warmup.client.close()
    await deleteSession(stack.server.url, 'running-warmup')
    await waitGone([warmup.pid])
    const empty = await settled(stack.server)
    const at: RunningLevel[] = []
    for (const n of levels) {
      const needMb = (n - live.length) * 250
      if (memAvailableMb() - needMb < RESERVE_MB) {
        return { at, stoppedAt: `stopped before ${n} running sessions: ${Math.round(memAvailableMb())} MB available, ~${needMb} MB needed` }
      }
      const ids = Array.from({ length: n - live.length }, (_, i) => `running-${live.length + i}`)
      live.push(...(await pool(ids, 2, (id) => startLiveSession(stack.server, id))))
      await sleep(500) // let the CLIs settle after their first turn
      const m = await settled(stack.server)
      const cliKb = live.map((s) => treeKb(s.pid, 'VmRSS') ?? Number.NaN)
      at.push({ sessions: n, rssKb: m.rssKb - empty.rssKb, heapKb: (m.heapUsed - empty.heapUsed) / 1024, cliKb })
      ctx.log(
        `  ${n} running sessions: server RSS +${((m.rssKb - empty.rssKb) / MB).toFixed(1)} MB, CLI RSS median ${(median(cliKb) / MB).toFixed(0)} MB`,
      )
    }
    return { at }
  } finally {
    await Promise.all(live.map((s) => s.client.close()))
    await stack.stop()
  }
}

export const memory: Measure = {
  name: 'memory',
  title: 'Memory',
  async run(ctx) {
    const idleLevels = ctx.quick ? [1, 10, 100, 1000] : [1, 10, 100, 1000, 10_000]
    const runningLevels = ctx.quick ? [1, 4] : [1, 10, 25, 50]
    const top = idleLevels.at(-1)!
    const below = idleLevels.at(-2)!
    const runs = ctx.reps(3, 1)
    const n = (v: number) => v.toLocaleString('en-US')

    const idle: Awaited<ReturnType<typeof idleRun>>[] = []
    for (let r = 0; r < runs; r++) {
      ctx.log(`idle sessions, run ${r + 1}/${runs}`)
      idle.push(await idleRun(ctx, idleLevels))
    }
    ctx.log(`released sessions (${RELEASED})`)
    const released = await releasedRun(ctx)
    ctx.log('running sessions')
    const running = await runningRun(ctx, runningLevels)

    const empty = fromRuns(
      idle.map((r) => r.empty.rssKb / MB),
      'MB',
      'server RSS, no sessions',
    )
    const idleSlope = (key: 'rssKb' | 'heapKb') => idle.map((r) => slope(r.at.at(-2)!, r.at.at(-1)!, key))
    const idleEach = fromRuns(idleSlope('rssKb'), 'KB', `RSS slope ${n(below)} -> ${n(top)} sessions, median of ${runs} servers`)
    const idleTotal = fromRuns(
      idle.map((r) => (r.empty.rssKb + r.at.at(-1)!.rssKb) / MB),
      'MB',
      `median of ${runs} servers`,
    )
    const rows: Figure[] = [
      {
        id: 'memory.idle.each',
        measure: 'memory',
        name: 'idle session (created, never started): server memory each',
        figure: idleEach,
        baseline: empty,
        target: { text: '<= 50 KB', met: idleEach.value! <= 50 },
        context: [
          fromRuns(idleSlope('heapKb'), 'KB', `JS heap slope ${n(below)} -> ${n(top)}`),
          ...idleLevels.map((lvl) =>
            fromRuns(
              idle.map((r) => r.at.find((l) => l.sessions === lvl)!.heapKb / lvl),
              'KB',
              `JS heap delta / ${n(lvl)} at ${n(lvl)} sessions`,
            ),
          ),
        ],
        notes: [
          'RSS moves by about 1 MB on its own, so per-session RSS is taken between the two largest levels; the heap (after a full GC) is exact enough at every level',
        ],
      },
      {
        id: 'memory.idle.total',
        measure: 'memory',
        name: `${n(top)} idle sessions: server RSS`,
        figure: idleTotal,
        baseline: empty,
        target: { text: '< 1024 MB', met: top < 10_000 ? null : idleTotal.value! < 1024 },
      },
      {
        id: 'memory.released.each',
        measure: 'memory',
        name: 'released session (ran a turn, CLI released): server JS heap each',
        figure: single(released.heapKb, 'KB', `JS heap outside code space / ${RELEASED}, 1 server`),
        baseline: empty,
        target: { text: '<= 50 KB', met: released.heapKb <= 50 },
        context: [
          single(released.codeKb, 'KB', `V8 code space / ${RELEASED} (compiled code; levels off)`),
          single(released.rssKb, 'KB', `RSS delta / ${RELEASED} (within RSS noise)`),
        ],
        notes: [
          `${RELEASED} sessions after ${RELEASED_WARMUP} warm-up ones (each needs a CLI start): too few for RSS, which moves by about 1 MB on its own, so the figure is the heap after a full GC, an upper bound (it includes V8's feedback vectors for code still warming up)`,
        ],
      },
    ]
    const [prev, last] = [running.at.at(-2), running.at.at(-1)]
    if (prev && last) {
      const each = slope(prev, last, 'rssKb') / MB
      rows.push(
        {
          id: 'memory.running.each',
          measure: 'memory',
          name: 'running session (CLI up, client attached): server memory each',
          figure: single(each, 'MB', `RSS slope ${prev.sessions} -> ${last.sessions} running, 1 server`),
          baseline: empty,
          target: { text: '<= 2 MB', met: each <= 2 },
          context: [
            single(slope(prev, last, 'heapKb') / MB, 'MB', `JS heap slope ${prev.sessions} -> ${last.sessions}`),
            ...running.at.map((l) => single(l.heapKb / l.sessions / MB, 'MB', `JS heap delta / ${l.sessions} at ${l.sessions} running`)),
          ],
          notes: [
            `measured at ${running.at.map((l) => l.sessions).join(', ')} running sessions, not 100: 100 CLIs would need about ${Math.round((100 * median(last.cliKb)) / MB / 1024)} GB on this ${Math.round(totalmem() / 1024 ** 3)} GB machine`,
            ...(running.stoppedAt ? [running.stoppedAt] : []),
          ],
        },
        {
          id: 'memory.cli.each',
          measure: 'memory',
          name: 'CLI process RSS each (beside the server)',
          figure: fromRuns(
            last.cliKb.map((kb) => kb / MB),
            'MB',
            `median of ${last.sessions} CLIs`,
          ),
          context: running.at.map((l) => single(l.cliKb.reduce((sum, v) => sum + v, 0) / MB, 'MB', `sum of ${l.sessions} CLIs' RSS`)),
        },
      )
    }
    return rows
  },
}
