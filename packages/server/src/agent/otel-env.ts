// Claude Code's own OpenTelemetry export, switched on per server (AGENT_OTEL_ENDPOINT): the
// variables the CLI reads to export its metrics and events over OTLP, and the allow-list entry
// that lets the sandbox's egress proxy reach that endpoint (and nothing more).
import { AllowList } from '../sandbox/allow-list.js'
import { MAX_TIMER_MS } from '../max-timer.js'

export type OtelProtocol = 'grpc' | 'http/protobuf' | 'http/json'
const OTEL_PROTOCOLS: readonly OtelProtocol[] = ['grpc', 'http/protobuf', 'http/json']

export interface AgentOtelSettings {
  /** The OTLP endpoint, `http(s)://host:port` (a collector). */
  endpoint: string
  /** @default 'http/protobuf' */
  protocol: OtelProtocol
  /** OTEL_EXPORTER_OTLP_HEADERS for the collector (`key=value,...`): a secret, never logged. */
  headers?: string
  /** How often the CLI exports metrics and events, in ms. @default the CLI's (60 s metrics, 5 s events) */
  exportIntervalMs?: number
}

/** Thrown for a bad AGENT_OTEL_* value; settings.ts turns it into its SettingsError. */
export class OtelSettingError extends Error {}

/** AGENT_OTEL_ENDPOINT (off when unset), AGENT_OTEL_PROTOCOL, AGENT_OTEL_HEADERS, AGENT_OTEL_EXPORT_INTERVAL_MS. */
export function agentOtelFrom(env: Record<string, string | undefined>): AgentOtelSettings | undefined {
  const endpoint = env['AGENT_OTEL_ENDPOINT']
  if (!endpoint) return undefined
  let url: URL | undefined
  try {
    url = new URL(endpoint)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new OtelSettingError(`AGENT_OTEL_ENDPOINT must be an http(s) URL without credentials, got "${endpoint}"`)
  }
  const protocol = (env['AGENT_OTEL_PROTOCOL'] || 'http/protobuf') as OtelProtocol
  if (!OTEL_PROTOCOLS.includes(protocol)) {
    throw new OtelSettingError(`AGENT_OTEL_PROTOCOL must be one of ${OTEL_PROTOCOLS.join(', ')}, got "${protocol}"`)
  }
  const settings: AgentOtelSettings = { endpoint, protocol }
  if (env['AGENT_OTEL_HEADERS']) settings.headers = env['AGENT_OTEL_HEADERS']
  const interval = env['AGENT_OTEL_EXPORT_INTERVAL_MS']
  if (interval) {
    // The CLI sets a timer with it: past a timer's range it would fire at once, every time.
    if (!/^\d+$/.test(interval) || Number(interval) < 100 || Number(interval) > MAX_TIMER_MS)
      throw new OtelSettingError(
        `AGENT_OTEL_EXPORT_INTERVAL_MS must be an integer from 100 to ${MAX_TIMER_MS}, got "${interval.slice(0, 32)}"`,
      )
    settings.exportIntervalMs = Number(interval)
  }
  return settings
}

/** The variables that switch the CLI's export on, for the agent's environment. */
export function agentOtelVars(otel: AgentOtelSettings | undefined): Record<string, string> {
  if (!otel) return {}
  const vars: Record<string, string> = {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: otel.protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: otel.endpoint,
  }
  if (otel.headers) vars['OTEL_EXPORTER_OTLP_HEADERS'] = otel.headers
  if (otel.exportIntervalMs !== undefined) {
    vars['OTEL_METRIC_EXPORT_INTERVAL'] = String(otel.exportIntervalMs)
    vars['OTEL_LOGS_EXPORT_INTERVAL'] = String(otel.exportIntervalMs)
  }
  return vars
}

/** The egress allow-list entry for the endpoint (`host:port`), or none. */
export const agentOtelAllowEntries = (otel: AgentOtelSettings | undefined): string[] =>
  otel ? [AllowList.entryFor(new URL(otel.endpoint))] : []
