// The scripted model with the tap in front: the CLI talks to the tap, the tap to the model.
import { startScriptedModel, type ScriptedModel } from '@claude-agent/scripted-model'
import { benchScenario } from './scenario.js'
import { startTap, type Tap } from './tap.js'

export interface BenchModel {
  model: ScriptedModel
  tap: Tap
  /** What the CLI gets as ANTHROPIC_BASE_URL (the tap). */
  url: string
  close(): Promise<void>
}

/** Any non-empty key: the scripted model checks none, the CLI refuses to run without one. */
export const BENCH_API_KEY = 'sk-bench-not-a-real-key'

export async function startBenchModel(): Promise<BenchModel> {
  // Only the last requests are kept: a bench run makes thousands.
  const model = await startScriptedModel({ scenario: benchScenario, maxRecordedRequests: 50 })
  const tap = await startTap(model.port)
  return {
    model,
    tap,
    url: tap.url,
    async close() {
      await tap.close()
      await model.close()
    },
  }
}
