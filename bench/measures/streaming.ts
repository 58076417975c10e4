// 2. Streaming: partial messages (SDK stream events) relayed live to one client. Rate: a burst
// of deltas, events/s between the first and last arrival. Latency: deltas paced 5 ms apart,
// each from the moment the tap hands it to the CLI to its arrival at the client. Baseline: the
// same frames through a bare `ws` echo process; context: the SDK in this process, which pays
// the CLI's own cost and no relay.
import { createSession } from '../lib/api.js'
import { startBareRelay } from '../lib/bare-relay-process.js'
import { burst, paced } from '../lib/bare-load.js'
import { onCleanup } from '../lib/cleanup.js'
import { fromRuns, ratioOf, type Figure } from '../lib/figure.js'
import type { Measure } from '../lib/measure.js'
import { PACED_DELAY_MS, PROMPT } from '../lib/scenario.js'
import { isResult, startSdkSession, type SdkSession } from '../lib/sdk-session.js'
import { startStack, type Stack } from '../lib/stack.js'
import { latencies, latencyPercentiles, markerOfMessage, rate } from '../lib/streams.js'
import { markersIn } from '../lib/tap.js'
import { WsRecorder, is, type Received } from '../lib/ws-recorder.js'

/** One turn through the server; the stream events the client received. */
async function serverTurn(client: WsRecorder, prompt: string): Promise<Received[]> {
  client.clear()
  client.prompt(prompt)
  await client.next(is.result)
  return client.received.filter((r) => is.streamEvent(r.text))
}

/** One turn in process; arrival times of the stream events, and of the marked deltas by marker. */
async function sdkTurn(sdk: SdkSession, prompt: string): Promise<{ arrivals: number[]; byMarker: Map<number, number> }> {
  const from = sdk.received.length
  sdk.send(prompt)
  await sdk.next(isResult, from)
  const events = sdk.received.slice(from).filter((t) => t.message.type === 'stream_event')
  const byMarker = new Map<number, number>()
  for (const t of events) {
    const marker = markerOfMessage(t.message)
    if (marker !== undefined) byMarker.set(marker, t.at)
  }
  return { arrivals: events.map((t) => t.at), byMarker }
}

export const streaming: Measure = {
  name: 'streaming',
  title: 'Streaming',
  async run(ctx) {
    const runs = ctx.reps(5, 2)
    const stack: Stack = await startStack()
    const relay = await startBareRelay()
    const stopRelay = onCleanup(() => relay.stop())
    const sdk = await startSdkSession({ modelUrl: stack.model.url })
    const stopSdk = onCleanup(() => sdk.close())
    const { tap } = stack.model
    try {
      await createSession(stack.server.url, 'stream')
      const client = await WsRecorder.open(stack.server.wsUrl('stream', 'partial=1'))
      const echo = await WsRecorder.open(`${relay.url}/echo`)
      ctx.log('warming up')
      await serverTurn(client, PROMPT.turn)
      await sdkTurn(sdk, PROMPT.turn)

      const rates = { server: [] as number[], sdk: [] as number[], bare: [] as number[] }
      const p50 = { server: [] as number[], sdk: [] as number[], bare: [] as number[] }
      const p99 = { server: [] as number[], sdk: [] as number[], bare: [] as number[] }
      let eventsPerBurst = 0
      const cpuPerEvent: number[] = []
      for (let r = 0; r < runs; r++) {
        ctx.log(`burst ${r + 1}/${runs}`)
        const cpu0 = await stack.server.cpuMs()
        const events = await serverTurn(client, PROMPT.burst)
        cpuPerEvent.push((((await stack.server.cpuMs()) - cpu0) / events.length) * 1000)
        eventsPerBurst = events.length
        rates.server.push(rate(events.map((e) => e.at)))
        rates.sdk.push(rate((await sdkTurn(sdk, PROMPT.burst)).arrivals))
        echo.clear()
        await burst(
          echo,
          [echo],
          events.map((e) => e.text),
        )
        rates.bare.push(rate(echo.received.map((e) => e.at)))
      }
      for (let r = 0; r < runs; r++) {
        ctx.log(`paced ${r + 1}/${runs}`)
        tap.reset()
        const events = await serverTurn(client, PROMPT.paced)
        const viaServer = latencyPercentiles(latencies(events, tap.written))
        tap.reset()
        const { byMarker } = await sdkTurn(sdk, PROMPT.paced)
        const inProcess = latencyPercentiles([...byMarker].map(([marker, at]) => at - tap.written.get(marker)!))
        echo.clear()
        const deltas = events.filter((e) => markersIn(e.text).length > 0).map((e) => e.text)
        const sent = await paced(echo, [echo], deltas, PACED_DELAY_MS)
        const bare = latencyPercentiles(latencies(echo.received, sent))
        for (const [key, value] of [
          ['server', viaServer],
          ['sdk', inProcess],
          ['bare', bare],
        ] as const) {
          p50[key].push(value.p50)
          p99[key].push(value.p99)
        }
      }
      await client.close()
      await echo.close()

      const bareLabel = 'bare ws echo'
      const rateFigure = fromRuns(rates.server, 'events/s', `median of ${runs} bursts of ${eventsPerBurst} events`)
      const rateBase = fromRuns(rates.bare, 'events/s', bareLabel)
      const rateRatio = ratioOf(rateFigure, rateBase)
      const sdkRate = fromRuns(rates.sdk, 'events/s', 'SDK in-process (the CLI alone, no relay)')
      const p99Figure = fromRuns(p99.server, 'ms', `median of ${runs} runs' p99`)
      const p99Sdk = fromRuns(p99.sdk, 'ms', 'SDK in-process p99 (model -> CLI -> SDK, no relay)')
      const p99Bare = fromRuns(p99.bare, 'ms', bareLabel)
      // Paired per run: both paths streamed the same paced reply back to back.
      const added = fromRuns(
        p99.server.map((v, i) => v - p99.sdk[i]!),
        'ms',
        'added p99: server path minus SDK in-process, paired per run',
      )
      const rows: Figure[] = [
        {
          id: 'streaming.rate',
          measure: 'streaming',
          name: 'partial messages to 1 client, events/s',
          figure: rateFigure,
          baseline: rateBase,
          ratio: rateRatio,
          target: { text: '>= 0.5x baseline', met: rateRatio === null ? null : rateRatio >= 0.5 },
          context: [sdkRate, fromRuns(cpuPerEvent, 'µs', 'server CPU per relayed event (whole turn / stream events)')],
          notes: [`the server relays ${(rateFigure.value! / sdkRate.value!).toFixed(2)}x what the CLI delivers to an in-process SDK`],
        },
        {
          id: 'streaming.latency.p50',
          measure: 'streaming',
          name: 'per-event latency p50, model write -> client',
          figure: fromRuns(p50.server, 'ms', `median of ${runs} runs' p50`),
          baseline: fromRuns(p50.bare, 'ms', bareLabel),
          context: [fromRuns(p50.sdk, 'ms', 'SDK in-process p50')],
        },
        {
          id: 'streaming.latency.p99',
          measure: 'streaming',
          name: 'per-event latency p99, model write -> client',
          figure: p99Figure,
          baseline: p99Bare,
          ratio: ratioOf(p99Figure, p99Bare),
          target: { text: 'added p99 (vs SDK in-process) < 2 ms', met: added.value! < 2 },
          context: [p99Sdk, added],
        },
      ]
      return rows
    } finally {
      await stopSdk()
      await stopRelay()
      await stack.stop()
    }
  },
}
