// 5. Replay: a client reconnecting with ?after=0 catches up 10,000 and 100,000 logged events.
// The logs are filled through SqliteStore before the server starts, with the events of one
// real text turn (fixtures/turn-events.json) over and over. Timed from opening the socket to
// the last seq arriving; the client counts frames and does not parse them, so the figure is
// the server's and the socket's. Baseline: a bare `ws` process sending the same frames from
// memory with the same backpressure.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { newSessionRecord, SqliteStore, type EventFrame } from '@claude-agent/server'
import { startBareRelay } from '../lib/bare-relay-process.js'
import { onCleanup } from '../lib/cleanup.js'
import { now, within } from '../lib/clock.js'
import { fromRuns, ratioOf, single, type Figure } from '../lib/figure.js'
import type { Measure } from '../lib/measure.js'
import { REPO } from '../lib/repo.js'
import { startStack } from '../lib/stack.js'

/** One log of the largest size; a smaller catch-up reconnects with after = total - size. */
const SIZES = [10_000, 100_000] as const
const TOTAL = 100_000
const SESSION = 'replay'

const FIXTURE = join(REPO, 'bench', 'fixtures', 'turn-events.json')

/** Fills the session's log with TOTAL events; returns their texts and the append rate. */
async function fill(dataDir: string): Promise<{ texts: string[]; appendsPerS: number }> {
  const frames = JSON.parse(readFileSync(FIXTURE, 'utf8')) as EventFrame[]
  const store = new SqliteStore(join(dataDir, 'sessions.db'))
  try {
    await store.insertSession(newSessionRecord(SESSION))
    const t0 = now()
    // One at a time, each awaited: the rate of appends that each commit alone.
    for (let i = 0; i < TOTAL; i++) await store.append(SESSION, frames[i % frames.length]!)
    const appendsPerS = (TOTAL / (now() - t0)) * 1000
    const texts: string[] = []
    for (let after = 0; ;) {
      const page = await store.read(SESSION, after, 10_000)
      if (page.length === 0) break
      for (const e of page) texts.push(e.text)
      after = page.at(-1)!.seq
    }
    return { texts, appendsPerS }
  } finally {
    await store.close()
  }
}

/** Opens `url` and resolves with the ms until the frame ending in `"seq":<lastSeq>}` arrives. */
async function catchUp(url: string, lastSeq: number, expectFrames: number): Promise<number> {
  const suffix = Buffer.from(`"seq":${lastSeq}}`)
  const t0 = now()
  const socket = new WebSocket(url, { perMessageDeflate: false })
  let frames = 0
  try {
    await within(
      `catching up ${lastSeq} events`,
      new Promise<void>((resolve, reject) => {
        socket.on('message', (data: Buffer) => {
          frames++
          if (data.length >= suffix.length && data.subarray(data.length - suffix.length).equals(suffix)) resolve()
        })
        socket.on('error', reject)
        socket.on('close', () => reject(new Error(`closed after ${frames} frames`)))
      }),
      120_000,
    )
    const ms = now() - t0
    if (frames !== expectFrames) throw new Error(`expected ${expectFrames} frames, got ${frames}`)
    return ms
  } finally {
    socket.removeAllListeners('close')
    socket.terminate()
  }
}

export const replay: Measure = {
  name: 'replay',
  title: 'Replay',
  async run(ctx) {
    const runs = { 10_000: ctx.reps(5, 2), 100_000: ctx.reps(3, 1) }
    const dataDir = mkdtempSync(join(tmpdir(), 'cas-bench-replay-'))
    ctx.log(`filling the event log (${TOTAL} events)`)
    const { texts, appendsPerS } = await fill(dataDir)
    const jsonl = join(dataDir, 'frames.jsonl')
    writeFileSync(jsonl, `${texts.join('\n')}\n`)
    const relay = await startBareRelay(jsonl)
    const stopRelay = onCleanup(() => relay.stop())
    // The server removes dataDir when it stops.
    // No pre-warm: attaching must add no event of its own to the log being replayed.
    const stack = await startStack({ dataDir, env: { PREWARM: '0' } })
    try {
      // The first catch-ups run cold code on both sides (several times slower): not counted.
      ctx.log('warming up (2 catch-ups of 10,000 each, not counted)')
      for (let i = 0; i < 2; i++) {
        await catchUp(stack.server.wsUrl(SESSION, `after=${TOTAL - 10_000}`), TOTAL, 10_001)
        await catchUp(`${relay.url}/blast?from=${TOTAL - 10_000}`, TOTAL, 10_000)
      }
      const rows: Figure[] = []
      for (const size of SIZES) {
        const server: number[] = []
        const bare: number[] = []
        for (let r = 0; r < runs[size]; r++) {
          ctx.log(`${size} events, run ${r + 1}/${runs[size]}`)
          // +1: the server's `connected` frame comes first.
          server.push(await catchUp(stack.server.wsUrl(SESSION, `after=${TOTAL - size}`), TOTAL, size + 1))
          bare.push(await catchUp(`${relay.url}/blast?from=${TOTAL - size}`, TOTAL, size))
        }
        const figure = fromRuns(server, 'ms', `median of ${runs[size]} catch-ups`)
        const baseline = fromRuns(bare, 'ms', 'bare ws, same frames from memory')
        const mb = texts.slice(TOTAL - size).reduce((n, t) => n + Buffer.byteLength(t), 0) / 1024 ** 2
        rows.push({
          id: `replay.${size}`,
          measure: 'replay',
          name: `replay ${size.toLocaleString('en-US')} events (${mb.toFixed(0)} MB) after reconnect`,
          figure,
          baseline,
          ratio: ratioOf(figure, baseline),
          ...(size === 100_000 && { target: { text: '< 1000 ms', met: figure.value! < 1000 } }),
          context: [single((size / figure.value!) * 1000, 'events/s', 'server replay rate')],
        })
      }
      rows.at(-1)!.context!.push(single(appendsPerS, 'events/s', 'filling: SqliteStore.append rate (one transaction each)'))
      return rows
    } finally {
      await stack.stop()
      await stopRelay()
    }
  },
}
