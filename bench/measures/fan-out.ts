// 6. Fan-out: 1, 10 and 100 clients on one streaming session (all asked for partial
// messages). Rate: a burst of deltas, all deliveries to all clients per second between the
// first and the last arrival. Lag: deltas paced 5 ms apart, from the tap handing each to the
// CLI to its arrival at each client; p99 over every (client, delta). Baseline: the same frames
// broadcast by a bare `ws` process to as many clients.
import { createSession } from '../lib/api.js'
import { startBareRelay } from '../lib/bare-relay-process.js'
import { burst, paced } from '../lib/bare-load.js'
import { onCleanup } from '../lib/cleanup.js'
import { fromRuns, ratioOf, type Figure } from '../lib/figure.js'
import type { Measure } from '../lib/measure.js'
import { PACED_DELAY_MS, PROMPT } from '../lib/scenario.js'
import { pool } from '../lib/sessions.js'
import { startStack } from '../lib/stack.js'
import { summarize } from '../lib/stats.js'
import { latencies, rate } from '../lib/streams.js'
import { markersIn } from '../lib/tap.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'

const LEVELS = [1, 10, 100] as const

/** All deliveries to all clients per second, first to last arrival. */
function aggregateRate(clients: readonly WsRecorder[], keep: (text: string) => boolean): number {
  return rate(clients.flatMap((c) => c.received.filter((r) => keep(r.text)).map((r) => r.at)))
}

/** Every client sees the turn end; then their stream events are complete. */
async function serverTurn(clients: readonly WsRecorder[], prompt: string): Promise<void> {
  for (const c of clients) c.clear()
  clients[0]!.prompt(prompt)
  await Promise.all(clients.map((c) => c.next(is.result)))
}

const openAll = (count: number, url: string) => pool(Array.from({ length: count }), 10, () => WsRecorder.open(url))

export const fanOut: Measure = {
  name: 'fan-out',
  title: 'Fan-out',
  async run(ctx) {
    const runs = ctx.reps(3, 1)
    const stack = await startStack()
    const relay = await startBareRelay()
    const stopRelay = onCleanup(() => relay.stop())
    const { tap } = stack.model
    const rows: Figure[] = []
    try {
      await createSession(stack.server.url, 'fanout')
      for (const count of LEVELS) {
        ctx.log(`${count} client(s)`)
        const clients = await openAll(count, stack.server.wsUrl('fanout', 'partial=1'))
        const sinks = await openAll(count, `${relay.url}/fanout?role=sink`)
        const source = await WsRecorder.open(`${relay.url}/fanout?role=source`)
        // Not counted: the first turn starts the CLI; a burst and a paced stream warm the new sockets.
        await serverTurn(clients, PROMPT.turn)
        await serverTurn(clients, PROMPT.burst)
        await burst(
          source,
          sinks,
          clients[0]!.received.filter((e) => is.streamEvent(e.text)).map((e) => e.text),
        )
        await serverTurn(clients, PROMPT.paced)
        const rates = { server: [] as number[], bare: [] as number[] }
        const cpuPerDelivery: number[] = []
        const lag = { p50: [] as number[], p99: [] as number[], bareP50: [] as number[], bareP99: [] as number[] }
        for (let r = 0; r < runs; r++) {
          const cpu0 = await stack.server.cpuMs()
          await serverTurn(clients, PROMPT.burst)
          const deliveries = clients.reduce((n, c) => n + c.received.filter((e) => is.streamEvent(e.text)).length, 0)
          cpuPerDelivery.push((((await stack.server.cpuMs()) - cpu0) / deliveries) * 1000)
          rates.server.push(aggregateRate(clients, is.streamEvent))
          const frames = clients[0]!.received.filter((e) => is.streamEvent(e.text)).map((e) => e.text)
          for (const s of sinks) s.clear()
          await burst(source, sinks, frames)
          rates.bare.push(aggregateRate(sinks, () => true))

          tap.reset()
          await serverTurn(clients, PROMPT.paced)
          const viaServer = summarize(clients.flatMap((c) => latencies(c.received, tap.written)))
          lag.p50.push(viaServer.p50)
          lag.p99.push(viaServer.p99)
          const deltas = clients[0]!.received.filter((e) => markersIn(e.text).length > 0).map((e) => e.text)
          for (const s of sinks) s.clear()
          const sent = await paced(source, sinks, deltas, PACED_DELAY_MS)
          const bare = summarize(sinks.flatMap((s) => latencies(s.received, sent)))
          lag.bareP50.push(bare.p50)
          lag.bareP99.push(bare.p99)
        }
        await Promise.all([...clients, ...sinks, source].map((c) => c.close()))

        const rateFigure = fromRuns(rates.server, 'events/s', `median of ${runs} bursts, all clients`)
        const rateBase = fromRuns(rates.bare, 'events/s', 'bare ws broadcast')
        const lagFigure = fromRuns(lag.p99, 'ms', `median of ${runs} runs' p99`)
        const lagBase = fromRuns(lag.bareP99, 'ms', 'bare ws broadcast')
        const label = `${count} client${count === 1 ? '' : 's'}`
        rows.push(
          {
            id: `fanout.${count}.rate`,
            measure: 'fan-out',
            name: `fan-out to ${label}: delivered events/s`,
            figure: rateFigure,
            baseline: rateBase,
            ratio: ratioOf(rateFigure, rateBase),
            context: [fromRuns(cpuPerDelivery, 'µs', 'server CPU per delivery (whole turn / stream events delivered)')],
          },
          {
            id: `fanout.${count}.lag`,
            measure: 'fan-out',
            name: `fan-out to ${label}: p99 lag, model write -> client`,
            figure: lagFigure,
            baseline: lagBase,
            ratio: ratioOf(lagFigure, lagBase),
            ...(count === 100 && { target: { text: '< 50 ms', met: lagFigure.value! < 50 } }),
            context: [fromRuns(lag.p50, 'ms', 'p50 lag'), fromRuns(lag.bareP50, 'ms', 'bare ws broadcast p50 lag')],
          },
        )
      }
      return rows
    } finally {
      await stopRelay()
      await stack.stop()
    }
  },
}
