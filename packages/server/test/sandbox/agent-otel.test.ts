// AGENT_OTEL_ENDPOINT switches Claude Code's own OpenTelemetry export on: the variables reach
// the CLI's environment (a Bash tool prints them) and the sandbox's egress proxy lets that
// collector through, and only it besides the model API.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { settingsFromEnv } from '../../src/settings.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

/** The model asks for one Bash command (made when asked: ports are known late), then echoes its output. */
const runBash = (prompt: string, command: () => string) => ({
  match: { prompt },
  replies: [
    () => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: command() } }] }),
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

/** CONNECT through the egress proxy to 127.0.0.1:port; prints the proxy's status line. */
const connectThroughProxy = (port: number) =>
  [
    `exec 3<>/dev/tcp/127.0.0.1/\${HTTPS_PROXY##*:}`,
    `printf 'CONNECT 127.0.0.1:${port} HTTP/1.1\\r\\nHost: 127.0.0.1:${port}\\r\\n\\r\\n' >&3`,
    `timeout 10 head -n 1 <&3; exec 3<&-; true`,
  ].join('; ')

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

describe('the agent’s OpenTelemetry export (AGENT_OTEL_ENDPOINT)', () => {
  let stack: Stack
  let probe: WsProbe
  let collector: Server
  let other: Server
  const exports: string[] = []
  let collectorPort = 0
  let otherPort = 0

  async function ask(prompt: string): Promise<string> {
    const from = probe.frames.length
    probe.prompt(prompt)
    const result = sdkData(await probe.result(from))
    assert.equal(result['is_error'], false, JSON.stringify(result))
    return result['result'] as string
  }

  before(async () => {
    collector = createServer((req, res) => {
      exports.push(`${req.method} ${req.url}`)
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
    })
    other = createServer((_req, res) => res.end('other'))
    collectorPort = await listen(collector)
    otherPort = await listen(other)
    const agentOtel = settingsFromEnv({
      AGENT_OTEL_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      AGENT_OTEL_EXPORT_INTERVAL_MS: '500',
    }).agentOtel!
    stack = await startStack({
      scenario: {
        scripts: [
          runBash(
            'print the telemetry variables',
            // The CLI keeps OTEL_* out of its tools' environment: read its own, from /proc.
            () =>
              'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done 2>/dev/null | grep -E "^(CLAUDE_CODE_ENABLE_TELEMETRY|OTEL_)" | sort -u',
          ),
          runBash('reach the collector', () => connectThroughProxy(collectorPort)),
          runBash('reach another host', () => connectThroughProxy(otherPort)),
        ],
      },
      settings: { agentOtel },
    })
    probe = await WsProbe.connect(stack.wsUrl)
  })
  after(async () => {
    probe?.close()
    await stack?.close()
    collector?.close()
    other?.close()
  })

  it('sets the variables in the CLI’s environment (and the CLI exports)', async () => {
    const out = await ask('print the telemetry variables')
    for (const line of [
      'CLAUDE_CODE_ENABLE_TELEMETRY=1',
      'OTEL_METRICS_EXPORTER=otlp',
      'OTEL_LOGS_EXPORTER=otlp',
      'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
      `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${collectorPort}`,
      'OTEL_METRIC_EXPORT_INTERVAL=500',
    ]) {
      assert.ok(out.includes(line), `${line} in:\n${out}`)
    }
  })

  it('lets the collector through the egress proxy, and no other host', async () => {
    assert.match(await ask('reach the collector'), /200 Connection Established/)
    assert.match(await ask('reach another host'), /403 Forbidden/)
  })

  it('the CLI exports to the collector', async () => {
    const deadline = Date.now() + 30_000
    while (exports.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
    assert.ok(
      exports.some((e) => /^POST \/v1\/(metrics|logs)/.test(e)),
      `exports: ${JSON.stringify(exports)}`,
    )
  })
})
