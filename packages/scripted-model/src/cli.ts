#!/usr/bin/env node
// scripted-model: run the scripted model as a standalone server (demos, manual testing).
// Swap scenarios at runtime with PUT /_scenario; read requests with GET /_requests.
import { parseArgs } from 'node:util'
import { demoScenario, loadScenario } from './load.js'
import { startScriptedModel } from './server.js'

const USAGE = `Usage: scripted-model [--port 4000] [--host 127.0.0.1] [--scenario path.json]

Serves the Anthropic Messages API from a scenario (default: the offline demo).
Point the CLI at it with ANTHROPIC_BASE_URL=<printed url> ANTHROPIC_API_KEY=anything.
Control: PUT /_scenario (JSON), GET /_requests, GET /_unused, POST /_reset.`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return void console.log(USAGE)
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}`)
  const scenario = values.scenario === undefined ? demoScenario : await loadScenario(values.scenario)
  const model = await startScriptedModel({ scenario, port, host: values.host })
  // The URL alone on stdout, so scripts can read it; the rest goes to stderr.
  console.log(model.url)
  console.error(`scripted-model: serving ${values.scenario ?? 'the demo scenario'} (Ctrl-C to stop)`)
  const stop = (): void => {
    model.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(`scripted-model: ${error instanceof Error ? error.message : String(error)}`)
  console.error(USAGE)
  process.exit(2)
})
