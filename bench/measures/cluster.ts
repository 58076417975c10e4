// 8. Cluster: two server processes sharing one PostgreSQL and one DATA_DIR (cluster mode). Two
// sessions owned by node A, one driven by a client on B (which forwards to A), one by a client
// on A, turn for turn: the figure is the turn through B, the baseline the same turn on A. Replay: a client catches
// up a logged session through B and on A. Then the cost per event of the PostgreSQL store
// against SQLite: appends awaited one by one, and a burst awaited together (grouped commits).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { newSessionRecord, PostgresStore, SqliteStore, type EventFrame, type Store } from '@claude-agent/server'
import { startPostgres } from '../../packages/server/test/helpers/postgres.js'
import { onCleanup } from '../lib/cleanup.js'
import { now, within } from '../lib/clock.js'
import { fromRuns, ratioOf, type Figure } from '../lib/figure.js'
import type { Measure } from '../lib/measure.js'
import { startBenchModel } from '../lib/model.js'
import { REPO } from '../lib/repo.js'
import { PROMPT } from '../lib/scenario.js'
import { spawnServer, type ServerProcess } from '../lib/server-process.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'

const HOP_HEADER = 'x-claude-agent-forwarded-by'
const FIXTURE = join(REPO, 'bench', 'fixtures', 'turn-events.json')
const REPLAY_EVENTS = 10_000

/** Makes the session on `node` itself (the hop header: not placed elsewhere). */
async function createOn(node: ServerProcess, id: string): Promise<void> {
  const res = await fetch(`${node.url}/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HOP_HEADER]: 'bench' },
    body: JSON.stringify({ id }),
  })
  if (res.status !== 201) throw new Error(`creating ${id} on ${node.url}: HTTP ${res.status} ${await res.text()}`)
}

async function turn(client: WsRecorder): Promise<number> {
  client.clear()
  const t0 = now()
  client.prompt(PROMPT.turn)
  const { at } = await client.next(is.result)
  return at - t0
}

/** Opens `url` and resolves with the ms until `frames` frames have arrived. */
async function catchUp(url: string, frames: number): Promise<number> {
  const t0 = now()
  const socket = new WebSocket(url, { perMessageDeflate: false })
  let seen = 0
  try {
    await within(
      `catching up ${frames} frames`,
      new Promise<void>((resolve, reject) => {
        socket.on('message', () => ++seen === frames && resolve())
        socket.on('error', reject)
        socket.on('close', () => reject(new Error(`closed after ${seen} frames`)))
      }),
      120_000,
    )
    return now() - t0
  } finally {
    socket.removeAllListeners('close')
    socket.terminate()
  }
}

/** µs per event: `count` appends awaited one by one, then `count` awaited together. */
async function appendCost(store: Store, frames: EventFrame[], count: number): Promise<{ serial: number; burst: number }> {
  await store.insertSession(newSessionRecord('serial'))
  await store.insertSession(newSessionRecord('burst'))
  let t0 = now()
  for (let i = 0; i < count; i++) await store.append('serial', frames[i % frames.length]!)
  const serial = ((now() - t0) * 1000) / count
  t0 = now()
  await Promise.all(Array.from({ length: count }, (_, i) => store.append('burst', frames[i % frames.length]!)))
  const burst = ((now() - t0) * 1000) / count
  return { serial, burst }
}

export const cluster: Measure = {
  name: 'cluster',
  title: 'Cluster',
  async run(ctx) {
    const turns = ctx.reps(30, 5)
    const replays = ctx.reps(5, 2)
    const appends = ctx.reps(2000, 300)
    const frames = JSON.parse(readFileSync(FIXTURE, 'utf8')) as EventFrame[]
    const pg = await startPostgres()
    const stopPg = onCleanup(() => pg.stop())
    const model = await startBenchModel()
    const stopModel = onCleanup(() => model.close())
    const databaseUrl = await pg.database()
    // The replay log, written before the nodes start (as a node's own appends would be).
    ctx.log(`filling a log of ${REPLAY_EVENTS} events in PostgreSQL`)
    const filler = await PostgresStore.open(databaseUrl)
    await filler.insertSession(newSessionRecord('replay'))
    for (let i = 0; i < REPLAY_EVENTS; i += 500)
      await Promise.all(Array.from({ length: 500 }, (_, k) => filler.append('replay', frames[(i + k) % frames.length]!)))
    await filler.close()
    const dataDir = mkdtempSync(join(tmpdir(), 'cas-bench-cluster-'))
    const env = (id: string) => ({ DATABASE_URL: databaseUrl, CLUSTER_NODE_ID: id, PREWARM: '0' })
    const a = await spawnServer({ modelUrl: model.url, dataDir, env: env('a') })
    const stopA = onCleanup(() => a.stop())
    const b = await spawnServer({ modelUrl: model.url, dataDir, env: env('b') })
    const stopB = onCleanup(() => b.stop())
    try {
      // Two sessions on A, so neither client sees the other's turns.
      await createOn(a, 'direct')
      await createOn(a, 'forwarded')
      const direct = await WsRecorder.open(a.wsUrl('direct'))
      const forwarded = await WsRecorder.open(b.wsUrl('forwarded'))
      ctx.log('warming up (2 turns each; the first starts the CLI)')
      for (let i = 0; i < 2; i++) {
        await turn(direct)
        await turn(forwarded)
      }
      ctx.log(`${turns} warm turns each, taking turns`)
      const viaA: number[] = []
      const viaB: number[] = []
      for (let i = 0; i < turns; i++) {
        if (i % 2 === 0) viaA.push(await turn(direct))
        viaB.push(await turn(forwarded))
        if (i % 2 === 1) viaA.push(await turn(direct))
      }
      await direct.close()
      await forwarded.close()

      ctx.log(`replaying ${REPLAY_EVENTS} events, ${replays} times each way`)
      // The first look at the session makes A its owner (it takes the free lease); then a warm-up.
      await catchUp(a.wsUrl('replay', 'after=0'), REPLAY_EVENTS + 1)
      await catchUp(b.wsUrl('replay', 'after=0'), REPLAY_EVENTS + 1)
      const replayA: number[] = []
      const replayB: number[] = []
      for (let r = 0; r < replays; r++) {
        replayA.push(await catchUp(a.wsUrl('replay', 'after=0'), REPLAY_EVENTS + 1))
        replayB.push(await catchUp(b.wsUrl('replay', 'after=0'), REPLAY_EVENTS + 1))
      }

      ctx.log(`${appends} appends each into SQLite and PostgreSQL`)
      const sqliteDir = mkdtempSync(join(tmpdir(), 'cas-bench-sqlite-'))
      const sqlite = new SqliteStore(join(sqliteDir, 'sessions.db'))
      const lite = await appendCost(sqlite, frames, appends)
      await sqlite.close()
      rmSync(sqliteDir, { recursive: true, force: true })
      const postgres = await PostgresStore.open(await pg.database())
      const pgCost = await appendCost(postgres, frames, appends)
      await postgres.close()

      const turnFigure = fromRuns(viaB, 'ms', `median of ${turns} warm turns, client on B, session on A`)
      const turnBase = fromRuns(viaA, 'ms', 'client on A (the owner)')
      const replayFigure = fromRuns(replayB, 'ms', `median of ${replays} catch-ups through B`)
      const replayBase = fromRuns(replayA, 'ms', 'on A (the owner)')
      const serial = fromRuns([pgCost.serial], 'µs', `PostgreSQL, ${appends} appends one by one`)
      const serialBase = fromRuns([lite.serial], 'µs', 'SQLite, same appends')
      const burst = fromRuns([pgCost.burst], 'µs', `PostgreSQL, ${appends} appends at once (grouped)`)
      const burstBase = fromRuns([lite.burst], 'µs', 'SQLite, same appends')
      const rows: Figure[] = [
        { id: 'cluster.turn', measure: 'cluster', name: 'warm turn through a forwarding node', figure: turnFigure, baseline: turnBase },
        {
          id: 'cluster.replay',
          measure: 'cluster',
          name: `replay ${REPLAY_EVENTS.toLocaleString('en-US')} events through a forwarding node`,
          figure: replayFigure,
          baseline: replayBase,
        },
        { id: 'cluster.append', measure: 'cluster', name: 'append, awaited one by one: per event', figure: serial, baseline: serialBase },
        {
          id: 'cluster.append-burst',
          measure: 'cluster',
          name: 'append, a burst awaited together: per event',
          figure: burst,
          baseline: burstBase,
        },
      ]
      for (const row of rows) row.ratio = ratioOf(row.figure, row.baseline)
      return rows
    } finally {
      await stopB()
      await stopA()
      await stopModel()
      await stopPg()
    }
  },
}
