// Send one prompt to a claude-agent-server and print the answer as it streams in.
//
//   npm run build && node --import tsx examples/example-client.ts "What is 2 + 2?"
//   It reads the same PORT, HOST and AUTH_TOKEN (environment, then .env) as `npm start`, so it
//   finds the server started from the same directory; SERVER_URL=http://host:port overrides;
//   --local starts a server on this machine instead (with your ANTHROPIC_API_KEY, or the
//   offline demo model without one) and stops it at the end; SESSION_ID=<id> a named session
//   (created if missing; it asks before each tool call); DEBUG=1 logs every frame.
// Exits 0 when the turn succeeds, 1 otherwise. Ctrl-C interrupts the turn. If the connection
// drops (or the server restarts) the client reconnects by itself and the answer keeps coming.
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import {
  ClaudeAgentClient,
  isAssistantMessage,
  isClaudeAgentClientError,
  isSystemMessage,
  type PermissionAnswer,
  type PermissionRequest,
  type SdkResultMessage,
  type ServerFrame,
} from '@claude-agent/client'

// The same settings file the server reads (it never overrides what the environment sets).
if (existsSync('.env')) process.loadEnvFile('.env')

/** Where `npm start` listens with this environment: HOST (a wildcard means this machine) and PORT. */
function defaultServerUrl(env: NodeJS.ProcessEnv): string {
  const host = !env['HOST'] || env['HOST'] === '0.0.0.0' || env['HOST'] === '::' ? '127.0.0.1' : env['HOST']
  return `http://${host.includes(':') ? `[${host}]` : host}:${env['PORT'] || '3000'}`
}

const args = process.argv.slice(2)
const local = args.includes('--local')
const serverUrl = process.env['SERVER_URL'] || defaultServerUrl(process.env)
/** Tool calls this run denied: the model may still claim it did the work, so say so at the end. */
const denied: string[] = []
const sessionId = process.env['SESSION_ID'] || undefined
const promptText = args.filter((a) => a !== '--local').join(' ') || 'Say hello and tell me which tools you can use.'

function printFrame(frame: ServerFrame): void {
  if (frame.type === 'sdk_message' && isAssistantMessage(frame.data)) {
    for (const block of frame.data.message.content) {
      if (block.type === 'text' && typeof block['text'] === 'string') console.log(block['text'])
      else if (block.type === 'tool_use') console.log(`[tool] ${String(block['name'])} ${oneLine(block['input'])}`)
    }
  } else if (frame.type === 'sdk_message' && isSystemMessage(frame.data) && frame.data.subtype === 'api_retry') {
    // The CLI retries a failing model API call with backoff: show it, or a turn looks hung.
    const { attempt, max_retries: max, retry_delay_ms: delay, error_status: status, error } = frame.data as Record<string, unknown>
    console.error(
      `[model API call failed (${String(status ?? '')} ${String(error ?? '')}); retry ${String(attempt)}/${String(max)} in ${String(delay)} ms]`,
    )
  } else if (frame.type === 'info' && (frame.source === 'server' || process.env['DEBUG'] === '1')) {
    console.error(`[${frame.source === 'server' ? 'server' : 'cli'}] ${frame.message}`)
  } else if (frame.type === 'error') {
    console.error(`[server error ${frame.code}] ${frame.error}`)
  }
}

function oneLine(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? ''
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Ask on the terminal whether a tool may run; without a terminal, deny. */
async function approve(request: PermissionRequest): Promise<PermissionAnswer> {
  const what = `${request.toolName} ${oneLine(request.input)}`
  if (!process.stdin.isTTY) {
    const why = 'no terminal to ask (stdin is not a TTY)'
    console.error(`[denied] ${what}: ${why}. Run the example in a terminal to approve tool calls.`)
    denied.push(request.toolName)
    return { behavior: 'deny', message: `Denied: ${why}, so nobody could approve ${request.toolName}.` }
  }
  const terminal = createInterface({ input: process.stdin, output: process.stderr })
  // Another client may answer first: then stop asking.
  request.signal.addEventListener('abort', () => terminal.close(), { once: true })
  try {
    const answer = await terminal.question(`[approve] ${what}? [y]es / [a]lways / [N]o: `, { signal: request.signal })
    if (/^a/i.test(answer)) return { behavior: 'allow', scope: 'session' }
    return /^y/i.test(answer) ? 'allow' : { behavior: 'deny', message: 'The user said no.' }
  } catch {
    return undefined // answered elsewhere
  } finally {
    terminal.close()
  }
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
  const where = local ? { provider: 'local' as const } : { connectionUrl: serverUrl, token: process.env['AUTH_TOKEN'] || undefined }
  // The client itself attaches to the default session; a named one is attached to below (with
  // --local it can only be created once the server runs).
  const client = new ClaudeAgentClient({ ...where, debug: process.env['DEBUG'] === '1' })
  client.onError((error) => console.error(`[client ${error.code}] ${error.message}`))
  client.onConnectionChange((change) => {
    if (change.state === 'reconnecting') console.error(`[reconnecting: attempt ${change.attempt} in ${change.delayMs} ms]`)
  })

  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  try {
    await client.start()
    if (client.sandbox?.provider === 'local') console.error(`(started a local server: ${String(client.sandbox['baseUrl'])})`)
    if (client.connection?.demo) console.error('(the server runs its demo model: no API credential configured)')
    let target: Pick<ClaudeAgentClient, 'prompt' | 'onMessage' | 'onPermissionRequest'> = client
    if (sessionId) {
      if (!(await client.sessions.list()).some((s) => s.id === sessionId)) await client.sessions.create({ id: sessionId })
      target = await client.sessions.attach(sessionId)
    }
    target.onMessage(printFrame)
    target.onPermissionRequest(approve)
    console.log(`> ${promptText}`)
    const result = await target.prompt(promptText, { signal: abort.signal })
    printSummary(result)
    if (denied.length > 0) {
      console.error(`--- ${denied.length} tool call(s) were denied (${denied.join(', ')}): whatever the answer says, they did not run.`)
    }
    return result.is_error ? 1 : 0
  } catch (error) {
    if (abort.signal.aborted) console.error('Interrupted.')
    else if (isClaudeAgentClientError(error)) console.error(`Failed (${error.code}): ${error.message}`)
    else console.error(error)
    return 1
  } finally {
    await client.stop() // also closes the attached session, and stops a local server
  }
}

process.exitCode = await main()
