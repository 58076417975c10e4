// `node --import tsx bench/tools/cli-switches.ts [--turns N] [--warmup N] [--profile lean] [--persist-off] VARIANT...`:
// which of Claude Code's own switches shorten a warm turn. The same CLI driven by the SDK in
// this process (the server's recipe, no relay), one session per variant, their turns taking
// turns so the machine's drift is shared; medians of the warm text turn (prompt -> result).
// A VARIANT is `NAME=1[,NAME=value...]` (variables added to the CLI's environment); the
// baseline, the profile alone, always runs first. E.g.
//   ... cli-switches.ts --profile lean CLAUDE_CODE_SKIP_PROMPT_HISTORY=1 DISABLE_AUTO_COMPACT=1
import type { AgentProfile } from '@claude-agent/protocol'
import { onCleanup } from '../lib/cleanup.js'
import { now } from '../lib/clock.js'
import { startBenchModel } from '../lib/model.js'
import { PROMPT } from '../lib/scenario.js'
import { isResult, startSdkSession } from '../lib/sdk-session.js'
import { summarize } from '../lib/stats.js'
import { option, runTool } from '../lib/tool.js'

interface Variant {
  name: string
  env: Record<string, string>
  persistOff: boolean
}

function variants(): Variant[] {
  const args = process.argv.slice(2)
  const valued = new Set(['--turns', '--warmup', '--profile'])
  const named = args.filter((a, i) => /^[A-Z_][A-Z0-9_]*=/.test(a) && !valued.has(args[i - 1] ?? ''))
  const list: Variant[] = [{ name: '(the profile alone)', env: {}, persistOff: false }]
  for (const spec of named) {
    const env = Object.fromEntries(spec.split(',').map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]))
    list.push({ name: spec, env, persistOff: false })
  }
  if (args.includes('--persist-off')) list.push({ name: 'persistSession: false', env: {}, persistOff: true })
  return list
}

async function main(): Promise<void> {
  const turns = Number(option('--turns') ?? 100)
  const warmup = Number(option('--warmup') ?? 10)
  const profile = (option('--profile') ?? 'default') as AgentProfile
  const model = await startBenchModel()
  onCleanup(() => model.close())
  const runs = await Promise.all(
    variants().map(async (variant) => {
      const sdk = await startSdkSession({
        modelUrl: model.url,
        profile,
        env: variant.env,
        ...(variant.persistOff && { sdkOptions: { persistSession: false } }),
      })
      onCleanup(() => sdk.close())
      return { variant, sdk, times: [] as number[] }
    }),
  )
  for (let i = 0; i < warmup + turns; i++) {
    for (const run of runs) {
      const from = run.sdk.received.length
      const start = now()
      run.sdk.send(PROMPT.turn)
      const result = await run.sdk.next(isResult, from)
      if (i >= warmup) run.times.push(result.at - start)
    }
  }
  const base = summarize(runs[0]!.times).median
  console.log(`warm text turn, SDK in-process, ${profile} profile, ${turns} turns after ${warmup} each (median [q1-q3], vs the first):`)
  for (const { variant, times } of runs) {
    const s = summarize(times)
    const vs = `${(s.median - base >= 0 ? '+' : '') + (s.median - base).toFixed(1)} ms`
    console.log(`  ${s.median.toFixed(1).padStart(6)} ms [${s.q1.toFixed(1)}-${s.q3.toFixed(1)}]  ${vs.padStart(9)}  ${variant.name}`)
  }
}

runTool(main)
