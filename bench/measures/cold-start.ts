// 3. Cold start: from creating a session to its first system/init, against a bare query() in
// this process (the server starts the CLI when the client attaches, just before the prompt).
// Pre-warmed: the client attached a while before its first prompt, so the server's pre-warm
// has started the CLI; its baseline is the SDK's own startup(). A live CLI's second turn gives
// the prompt -> init floor.
import { ClaudeAgentClient, isSystemMessage, type ServerFrame } from '@claude-agent/client'
import { cliPid, createDefaultSession, createSession, deleteSession } from '../lib/api.js'
import { now } from '../lib/clock.js'
import { fromRuns, ratioOf, type Figure } from '../lib/figure.js'
import type { Measure } from '../lib/measure.js'
import { treeKb, waitGone } from '../lib/proc.js'
import { PROMPT } from '../lib/scenario.js'
import { isInit, isResult, startSdkSession } from '../lib/sdk-session.js'
import type { ServerProcess } from '../lib/server-process.js'
import { startStack } from '../lib/stack.js'

interface Sample {
  /** Start -> first system/init. */
  init: number
  /** Start -> first result. */
  result: number
  /** Second prompt -> its system/init, on the live CLI. */
  warmInit: number
}

const isInitFrame = (f: ServerFrame) => f.type === 'sdk_message' && isSystemMessage(f.data) && f.data.subtype === 'init'

async function viaServer(server: ServerProcess, id: string): Promise<Sample> {
  const inits: number[] = []
  const t0 = now()
  await createSession(server.url, id)
  const client = new ClaudeAgentClient({ connectionUrl: `${server.url}/sessions/${id}`, connectTimeoutMs: 30_000 })
  client.onMessage((f) => isInitFrame(f) && inits.push(now()))
  await client.start()
  await client.prompt(PROMPT.turn)
  const result = now() - t0
  const t1 = now()
  await client.prompt(PROMPT.turn)
  const sample = { init: inits[0]! - t0, result, warmInit: inits[1]! - t1 }
  const pid = await cliPid(server.url, id)
  await client.stop()
  await deleteSession(server.url, id)
  await waitGone([pid])
  return sample
}

/** How long a client stays attached before its first prompt in the pre-warmed case. */
const ATTACHED_BEFORE_PROMPT_MS = 2_000

/** Attach (the server pre-warms the CLI), wait, then time the first prompt -> system/init. */
async function prewarmedViaServer(server: ServerProcess, id: string): Promise<number> {
  const inits: number[] = []
  await createSession(server.url, id)
  const client = new ClaudeAgentClient({ connectionUrl: `${server.url}/sessions/${id}`, connectTimeoutMs: 30_000 })
  client.onMessage((f) => isInitFrame(f) && inits.push(now()))
  await client.start()
  await new Promise((r) => setTimeout(r, ATTACHED_BEFORE_PROMPT_MS))
  const t0 = now()
  await client.prompt(PROMPT.turn)
  const pid = await cliPid(server.url, id)
  await client.stop()
  await deleteSession(server.url, id)
  await waitGone([pid])
  return inits[0]! - t0
}

/** How long the pool gets to start (and boot) its next CLI before a session is created. */
const POOL_REFILL_MS = 3_000

/** Create a default session (the warm pool hands it a running CLI), attach, prompt: -> init.
 * Also the RSS its CLI held while pooled (bwrap, launcher, CLI), read right after creation. */
async function pooledViaServer(server: ServerProcess): Promise<{ init: number; pooledKb: number }> {
  await new Promise((r) => setTimeout(r, POOL_REFILL_MS))
  const inits: number[] = []
  const t0 = now()
  const id = await createDefaultSession(server.url)
  const pid = await cliPid(server.url, id)
  const pooledKb = treeKb(pid, 'VmRSS') ?? Number.NaN
  const client = new ClaudeAgentClient({ connectionUrl: `${server.url}/sessions/${id}`, connectTimeoutMs: 30_000 })
  client.onMessage((f) => isInitFrame(f) && inits.push(now()))
  await client.start()
  await client.prompt(PROMPT.turn)
  await client.stop()
  await deleteSession(server.url, id)
  await waitGone([pid])
  return { init: inits[0]! - t0, pooledKb }
}

async function inProcess(modelUrl: string): Promise<Sample> {
  const t0 = now()
  const sdk = await startSdkSession({ modelUrl })
  try {
    sdk.send(PROMPT.turn)
    const init = (await sdk.next(isInit)).at - t0
    const first = await sdk.next(isResult)
    const from = sdk.received.length
    const t1 = now()
    sdk.send(PROMPT.turn)
    const warmInit = (await sdk.next(isInit, from)).at - t1
    return { init, result: first.at - t0, warmInit }
  } finally {
    await sdk.close()
  }
}

/** The SDK's own pre-warming: startup() first (not timed), then prompt -> system/init. */
async function prewarmed(modelUrl: string): Promise<number> {
  const sdk = await startSdkSession({ modelUrl, prewarm: true })
  try {
    const t0 = now()
    sdk.send(PROMPT.turn)
    const init = (await sdk.next(isInit)).at - t0
    await sdk.next(isResult)
    return init
  } finally {
    await sdk.close()
  }
}

export const coldStart: Measure = {
  name: 'cold-start',
  title: 'Cold start',
  async run(ctx) {
    const runs = ctx.reps(6, 2)
    const stack = await startStack()
    const url = stack.model.url
    try {
      ctx.log('warming up (one of each, not counted)')
      await viaServer(stack.server, 'cold-warmup')
      await inProcess(url)
      const server: Sample[] = []
      const direct: Sample[] = []
      const spare: number[] = []
      const warmed: number[] = []
      for (let r = 0; r < runs; r++) {
        ctx.log(`cold start ${r + 1}/${runs}`)
        // Alternate which goes first, so neither always follows the other's process exit.
        if (r % 2 === 0) {
          server.push(await viaServer(stack.server, `cold-${r}`))
          direct.push(await inProcess(url))
        } else {
          direct.push(await inProcess(url))
          server.push(await viaServer(stack.server, `cold-${r}`))
        }
        spare.push(await prewarmed(url))
        warmed.push(await prewarmedViaServer(stack.server, `warm-${r}`))
      }
      const of = (samples: Sample[], key: keyof Sample, label: string) =>
        fromRuns(
          samples.map((s) => s[key]),
          'ms',
          label,
        )
      const cold = of(server, 'init', `median of ${runs} new sessions`)
      const coldBase = of(direct, 'init', 'bare query()')
      const coldRatio = ratioOf(cold, coldBase)
      const warm = of(server, 'warmInit', `median of ${runs}`)
      const prewarmedFigure = fromRuns(warmed, 'ms', `median of ${runs}`)
      const warmBase = of(direct, 'warmInit', 'SDK in-process')
      const rows: Figure[] = [
        {
          id: 'cold.init',
          measure: 'cold start',
          name: 'cold start: create session -> first system/init',
          figure: cold,
          baseline: coldBase,
          ratio: coldRatio,
          target: { text: '<= 1.1x baseline', met: coldRatio === null ? null : coldRatio <= 1.1 },
          context: [of(server, 'result', 'server: create session -> first result'), of(direct, 'result', 'bare query(): -> first result')],
        },
        {
          id: 'cold.prewarmed',
          measure: 'cold start',
          name: 'pre-warmed: prompt -> system/init',
          figure: prewarmedFigure,
          baseline: fromRuns(spare, 'ms', 'SDK startup(), then prompt'),
          target: { text: '< 150 ms', met: prewarmedFigure.value === null ? null : prewarmedFigure.value < 150 },
          notes: [`the client attached ${ATTACHED_BEFORE_PROMPT_MS} ms before its first prompt; attaching starts the CLI`],
        },
        {
          id: 'cold.live-cli',
          measure: 'cold start',
          name: 'live CLI (2nd turn): prompt -> system/init',
          figure: warm,
          baseline: warmBase,
          ratio: ratioOf(warm, warmBase),
          notes: ['the floor a pre-warmed session could reach: the CLI is already running'],
        },
      ]
      rows.push(...(await pooledRows(ctx, runs, cold)))
      return rows
    } finally {
      await stack.stop()
    }
  },
}

/** A server keeping one CLI in its warm pool (WARM_POOL_SIZE=1, the default outside the bench). */
async function pooledRows(ctx: Parameters<Measure['run']>[0], runs: number, cold: Figure['figure']): Promise<Figure[]> {
  const stack = await startStack({ env: { WARM_POOL_SIZE: '1' } })
  try {
    ctx.log(`warm pool: ${runs} new default sessions, ${POOL_REFILL_MS} ms apart`)
    await pooledViaServer(stack.server)
    const samples = []
    for (let r = 0; r < runs; r++) samples.push(await pooledViaServer(stack.server))
    const figure = fromRuns(
      samples.map((s) => s.init),
      'ms',
      `median of ${runs} new sessions`,
    )
    return [
      {
        id: 'cold.pooled',
        measure: 'cold start',
        name: 'warm pool: create session -> first system/init',
        figure,
        baseline: cold,
        ratio: ratioOf(figure, cold),
        target: { text: '< 150 ms', met: figure.value === null ? null : figure.value < 150 },
        context: [
          fromRuns(
            samples.map((s) => s.pooledKb / 1024),
            'MB',
            'RSS each pooled CLI holds while it waits (bwrap, launcher, CLI)',
          ),
        ],
        notes: [
          `the baseline is the cold start without the pool (same run); the pool had ${POOL_REFILL_MS} ms to refill before each create`,
        ],
      },
    ]
  } finally {
    await stack.stop()
  }
}
