// Send one prompt to a running claude-agent-server and print the answer as it streams in.
//
//   npm run build && node --import tsx examples/example-client.ts "What is 2 + 2?"
//   SERVER_URL=http://127.0.0.1:3000 (default) selects the server; SESSION_ID=<id> a named
//   session (created if missing); DEBUG=1 logs every frame.
// Exits 0 when the turn succeeds, 1 otherwise. Ctrl-C interrupts the turn. If the connection
// drops (or the server restarts) the client reconnects by itself and the answer keeps coming.
import {
  ClaudeAgentClient,
  isAssistantMessage,
  isClaudeAgentClientError,
  type SdkResultMessage,
  type ServerFrame,
} from '@claude-agent/client'

const serverUrl = process.env['SERVER_URL'] ?? 'http://127.0.0.1:3000'
const sessionId = process.env['SESSION_ID'] || undefined
const promptText = process.argv.slice(2).join(' ') || 'Say hello and tell me which tools you can use.'

function printFrame(frame: ServerFrame): void {
  if (frame.type === 'sdk_message' && isAssistantMessage(frame.data)) {
    for (const block of frame.data.message.content) {
      if (block.type === 'text' && typeof block['text'] === 'string') console.log(block['text'])
      else if (block.type === 'tool_use') console.log(`[tool] ${String(block['name'])} ${oneLine(block['input'])}`)
    }
  } else if (frame.type === 'error') {
    console.error(`[server error ${frame.code}] ${frame.error}`)
  }
}

function oneLine(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? ''
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function printSummary(result: SdkResultMessage): void {
  const parts = [
    result.is_error ? `error (${result.subtype})` : result.subtype,
    result.num_turns !== undefined && `${result.num_turns} turn(s)`,
    result.duration_ms !== undefined && `${result.duration_ms} ms`,
    result.total_cost_usd !== undefined && `$${result.total_cost_usd.toFixed(4)}`,
  ].filter(Boolean)
  console.log(`--- result: ${parts.join(' | ')}`)
  if (result.is_error && result.result) console.error(result.result)
}

async function main(): Promise<number> {
  const client = new ClaudeAgentClient({ connectionUrl: serverUrl, sessionId, debug: process.env['DEBUG'] === '1' })
  client.onMessage(printFrame)
  client.onError((error) => console.error(`[client ${error.code}] ${error.message}`))
  client.onConnectionChange((change) => {
    if (change.state === 'reconnecting') console.error(`[reconnecting: attempt ${change.attempt} in ${change.delayMs} ms]`)
  })

  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  try {
    if (sessionId && !(await client.sessions.list()).some((s) => s.id === sessionId)) {
      await client.sessions.create({ id: sessionId })
    }
    await client.start()
    if (client.connection?.demo) console.error('(the server runs its demo model: no API credential configured)')
    console.log(`> ${promptText}`)
    const result = await client.prompt(promptText, { signal: abort.signal })
    printSummary(result)
    return result.is_error ? 1 : 0
  } catch (error) {
    if (abort.signal.aborted) console.error('Interrupted.')
    else if (isClaudeAgentClientError(error)) console.error(`Failed (${error.code}): ${error.message}`)
    else console.error(error)
    return 1
  } finally {
    await client.stop()
  }
}

process.exitCode = await main()
