// What instrumentation points call: one named function per thing counted. The metrics behind
// them are in registry.ts; the scrape is `metricsText()`.
import * as m from './registry.js'

export const metricsContentType = m.registry.contentType
export const metricsText = (): Promise<string> => m.registry.metrics()

/** A running server reports its sessions by state at each scrape; the returned function stops it. */
export function reportSessions(source: () => Record<string, number>): () => void {
  m.sessionSources.add(source)
  return () => m.sessionSources.delete(source)
}

export const turnStarted = (): void => m.turnsRunning.inc()
/** `outcome`: result (the CLI ended it), stopped (the server stopped the CLI), exited (the CLI ended). */
export function turnEnded(seconds: number, outcome: 'result' | 'stopped' | 'exited'): void {
  m.turnsRunning.dec()
  m.turnDuration.observe({ outcome }, seconds)
}

export const clientAttached = (): void => m.clientsAttached.inc()
export const clientDetached = (): void => m.clientsAttached.dec()
export const slowConsumerCutOff = (): void => m.slowConsumerCutoffs.inc()
export const connectionDropped = (): void => m.connectionsDropped.inc()

export const eventAppended = (): void => m.eventsAppended.inc()
export const eventsReplayed = (count: number): void => m.eventsReplayed.inc(count)
/** One transaction of the store's and the writes in it. */
export function storeCommitted(store: 'sqlite' | 'postgres', ok: number, failed: number): void {
  m.storeCommits.inc({ store })
  if (ok > 0) m.storeWrites.inc({ store, outcome: 'ok' }, ok)
  if (failed > 0) m.storeWrites.inc({ store, outcome: 'failed' }, failed)
}

export const agentStarted = (resumed: boolean): void => m.agentStarts.inc({ conversation: resumed ? 'resumed' : 'new' })
export const agentColdStart = (seconds: number): void => m.agentColdStart.observe(seconds)
export function agentExited(reason: 'stopped' | 'ended' | 'crashed'): void {
  m.agentExits.inc({ reason })
  if (reason === 'crashed') m.agentCrashes.inc()
}

/** A request through the model gateway: the upstream's HTTP status, or `unreachable`. */
export const modelRequest = (status: number | 'unreachable'): void => m.modelRequests.inc({ status: String(status) })

export interface TokenUsage {
  input?: number | undefined
  output?: number | undefined
  cacheRead?: number | undefined
  cacheCreation?: number | undefined
}

function addTokens(counter: typeof m.modelTokens, usage: TokenUsage): void {
  const kinds = { input: usage.input, output: usage.output, cache_read: usage.cacheRead, cache_creation: usage.cacheCreation }
  for (const [kind, n] of Object.entries(kinds)) if (typeof n === 'number' && Number.isFinite(n) && n > 0) counter.inc({ kind }, n)
}

/** Usage the model gateway saw in an answer (for the gateway's own accounting). */
export function modelUsage(usage: TokenUsage, costUsd?: number): void {
  addTokens(m.modelTokens, usage)
  if (costUsd !== undefined && Number.isFinite(costUsd) && costUsd > 0) m.modelCost.inc(costUsd)
}

/** Usage the CLI reported in a turn's result message (`usage`, `total_cost_usd`). */
export function turnResultUsage(result: Record<string, unknown>): void {
  const usage = (result['usage'] ?? {}) as Record<string, unknown>
  const n = (key: string) => (typeof usage[key] === 'number' ? usage[key] : undefined)
  addTokens(m.turnTokens, {
    input: n('input_tokens'),
    output: n('output_tokens'),
    cacheRead: n('cache_read_input_tokens'),
    cacheCreation: n('cache_creation_input_tokens'),
  })
  const cost = result['total_cost_usd']
  if (typeof cost === 'number' && Number.isFinite(cost) && cost > 0) m.turnCost.inc(cost)
}

export function permissionAsked(): void {
  m.permissionsAsked.inc()
  m.permissionsPending.inc()
}
/** `pending`: whether it was waiting (a session rule answers at once, never pending). */
export function permissionResolved(reason: string, decision: 'allow' | 'deny', pending = true): void {
  if (pending) m.permissionsPending.dec()
  m.permissionsResolved.inc({ reason, decision })
}

export const sandboxFailed = (stage: 'prepare' | 'proxy'): void => m.sandboxFailures.inc({ stage })
export const egressDenied = (): void => m.egressDenied.inc()

/** A running server reports its CLIs and their cap at each scrape; the returned function stops it. */
export function reportAgentCapacity(source: () => m.CapacitySource): () => void {
  m.capacitySources.add(source)
  return () => m.capacitySources.delete(source)
}
export const agentReleasedForCapacity = (): void => m.agentCapacityReleases.inc()
export const agentCapacityRefused = (): void => m.agentCapacityRefusals.inc()
