// The one owner of the Prometheus registry (prom-client). Code elsewhere calls the named
// functions of metrics.ts, never prom-client, so instrumentation stays one line and the
// metric names and labels live here alone (docs/operations.md lists them).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Process-wide, like the secret registry: any module can count without being handed a handle. */
export const registry = new Registry()
collectDefaultMetrics({ register: registry })

const P = 'claude_agent_'
const registers = [registry]

/** What each running server reports at scrape time (sessions by state); summed across servers. */
type SessionSource = () => Record<string, number>
export const sessionSources = new Set<SessionSource>()

export const sessionsByState = new Gauge({
  name: `${P}sessions`,
  help: 'Sessions by state (idle, running, failed, suspended, ...)',
  labelNames: ['state'],
  registers,
  collect() {
    this.reset()
    for (const source of sessionSources) for (const [state, n] of Object.entries(source())) this.inc({ state }, n)
  },
})

export const turnsRunning = new Gauge({ name: `${P}turns_running`, help: 'Turns in progress', registers })
export const turnDuration = new Histogram({
  name: `${P}turn_duration_seconds`,
  help: 'Time from a turn start to its end, by how it ended (result, stopped, exited)',
  labelNames: ['outcome'],
  buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  registers,
})

export const clientsAttached = new Gauge({ name: `${P}clients_attached`, help: 'WebSocket clients attached to a session', registers })
export const slowConsumerCutoffs = new Counter({
  name: `${P}slow_consumer_cutoffs_total`,
  help: 'Clients cut off for not keeping up (SLOW_CONSUMER)',
  registers,
})

export const connectionsDropped = new Counter({
  name: `${P}connections_dropped_total`,
  help: 'Client connections closed on arrival: MAX_CONNECTIONS were open',
  registers,
})

export const eventsAppended = new Counter({ name: `${P}events_appended_total`, help: 'Events appended to session logs', registers })
export const storeCommits = new Counter({
  name: `${P}store_commits_total`,
  help: 'Transactions the store committed (writes made together share one)',
  labelNames: ['store'],
  registers,
})
export const storeWrites = new Counter({
  name: `${P}store_writes_total`,
  help: 'Writes the store made, by outcome (ok, failed)',
  labelNames: ['store', 'outcome'],
  registers,
})
export const eventsReplayed = new Counter({
  name: `${P}events_replayed_total`,
  help: 'Logged events replayed to attaching clients',
  registers,
})

export const agentStarts = new Counter({
  name: `${P}agent_starts_total`,
  help: 'Claude Code processes started, by conversation (new, resumed)',
  labelNames: ['conversation'],
  registers,
})
export const agentExits = new Counter({
  name: `${P}agent_exits_total`,
  help: 'Claude Code processes ended, by reason (stopped: released by the server, ended: on its own, crashed: with a failure)',
  labelNames: ['reason'],
  registers,
})
export const agentCrashes = new Counter({
  name: `${P}agent_crashes_total`,
  help: 'Claude Code processes that ended with a failure',
  registers,
})
export const agentColdStart = new Histogram({
  name: `${P}agent_cold_start_seconds`,
  help: 'Time from starting a Claude Code process to its first (init) message',
  buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60],
  registers,
})

export const modelRequests = new Counter({
  name: `${P}model_requests_total`,
  help: 'Requests through the sandbox model gateway, by upstream HTTP status (or "unreachable")',
  labelNames: ['status'],
  registers,
})
export const modelTokens = new Counter({
  name: `${P}model_tokens_total`,
  help: 'Tokens the model gateway saw in model answers, by kind (input, output, cache_read, cache_creation)',
  labelNames: ['kind'],
  registers,
})
export const modelCost = new Counter({ name: `${P}model_cost_usd_total`, help: 'Cost of model answers the gateway saw, in USD', registers })
export const turnTokens = new Counter({
  name: `${P}turn_tokens_total`,
  help: 'Tokens the Claude Code process reported in its turn results, by kind (input, output, cache_read, cache_creation)',
  labelNames: ['kind'],
  registers,
})
export const turnCost = new Counter({
  name: `${P}turn_cost_usd_total`,
  help: 'Cost the Claude Code process reported in its turn results, in USD',
  registers,
})

export const permissionsPending = new Gauge({
  name: `${P}permission_requests_pending`,
  help: 'Tool approvals waiting for a decision',
  registers,
})
export const permissionsAsked = new Counter({ name: `${P}permission_requests_total`, help: 'Tool approvals asked of clients', registers })
export const permissionsResolved = new Counter({
  name: `${P}permission_requests_resolved_total`,
  help: 'Tool approvals resolved, by reason (client, timeout, cancelled, restart, session_rule) and decision',
  labelNames: ['reason', 'decision'],
  registers,
})

export const sandboxFailures = new Counter({
  name: `${P}sandbox_failures_total`,
  help: 'Sandbox failures, by stage (prepare: a run could not be set up, proxy: a host-side proxy failed)',
  labelNames: ['stage'],
  registers,
})
export const egressDenied = new Counter({
  name: `${P}sandbox_egress_denied_total`,
  help: 'Connections the egress proxy refused',
  registers,
})

export interface CapacitySource {
  running: number
  cap: number
}
export const capacitySources = new Set<() => CapacitySource>()
/** A gauge of one field summed over every server's capacity source (tests run several). */
const summedGauge = (name: string, help: string, field: keyof CapacitySource) =>
  new Gauge({
    name: `${P}${name}`,
    help,
    registers,
    collect() {
      let sum = 0
      for (const source of capacitySources) sum += source()[field]
      this.set(sum)
    },
  })
export const agentsRunning = summedGauge('agents_running', "Claude Code processes running: the sessions' and the warm pool's", 'running')
export const agentsCap = summedGauge('agents_max', 'MAX_RUNNING_AGENTS: how many Claude Code processes may run at once (0: no cap)', 'cap')
export const agentCapacityReleases = new Counter({
  name: `${P}agent_capacity_releases_total`,
  help: 'Idle or warm-pool CLIs released to make room under MAX_RUNNING_AGENTS',
  registers,
})
export const agentCapacityRefusals = new Counter({
  name: `${P}agent_capacity_refusals_total`,
  help: 'Starts refused (AGENT_CAPACITY) because every CLI under MAX_RUNNING_AGENTS was busy',
  registers,
})
