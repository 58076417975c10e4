#!/usr/bin/env node
// `claude-agent`: one command for the server and its clients. Each subcommand parses its own
// arguments and has its own --help; this file only picks the subcommand and maps failures to
// exit codes (1: it failed, 2: bad usage).
import { attach, ATTACH_HELP } from './commands/attach.js'
import { chat, CHAT_HELP } from './commands/chat.js'
import { exec, EXEC_HELP } from './commands/exec.js'
import { files, FILES_HELP } from './commands/files.js'
import { logs, LOGS_HELP } from './commands/logs.js'
import { run, RUN_HELP } from './commands/run.js'
import { serve } from './commands/serve.js'
import { sessions, SESSIONS_HELP } from './commands/sessions.js'
import { tokens, TOKENS_HELP } from './commands/tokens.js'
import { describeError, EXIT, UsageError } from './errors.js'
import { processIo, type Io } from './io.js'
import { scrubbed } from './scrub.js'

type Command = (argv: string[], io: Io) => Promise<number | 'running'>

const COMMANDS: Record<string, { run: Command; summary: string; help?: string }> = {
  serve: { run: serve, summary: 'run the server here (the same settings as npm start)' },
  chat: { run: chat, summary: 'talk to the agent interactively', help: CHAT_HELP },
  run: { run, summary: 'one prompt for scripts and CI (--json: NDJSON)', help: RUN_HELP },
  attach: { run: attach, summary: 'watch a session from another terminal, answer its approvals', help: ATTACH_HELP },
  sessions: { run: sessions, summary: 'ls | show ID | rm ID', help: SESSIONS_HELP },
  logs: { run: logs, summary: "a session's event log (--follow)", help: LOGS_HELP },
  exec: { run: exec, summary: "run a command in a session's directory", help: EXEC_HELP },
  files: { run: files, summary: "[ID] ls | get | put: a session's workspace files", help: FILES_HELP },
  tokens: { run: tokens, summary: 'create | ls | revoke run-time tokens (admins)', help: TOKENS_HELP },
}

export const HELP = `Usage: claude-agent COMMAND [options]   (claude-agent COMMAND --help for each)

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Connect with --url URL and --token TOKEN, or CLAUDE_AGENT_URL and CLAUDE_AGENT_TOKEN
(default http://127.0.0.1:3000); --local starts a server on this machine, --e2b an E2B sandbox.
Output is plain text when stdout is not a terminal; NO_COLOR turns colours off.
`

export async function main(argv: string[], io: Io): Promise<number | 'running'> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] ? COMMANDS[rest[0]]?.help : undefined
    return io.print(topic ?? HELP)
  }
  const command = COMMANDS[name]
  if (!command) {
    io.stderr.write(`claude-agent: unknown command '${name}'\n\n${HELP}`)
    return EXIT.usage
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`claude-agent ${name}: ${error.message}\n(claude-agent ${name} --help shows the usage)\n`)
      return EXIT.usage
    }
    io.stderr.write(scrubbed(`claude-agent ${name}: ${describeError(error)}\n`, io.env))
    return EXIT.failed
  }
}

// A reader that went away (\`| head\`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

const code = await main(process.argv.slice(2), processIo())
if (code !== 'running') {
  process.exitCode = code
  // Sockets of a stopped client may linger a moment; the answer is complete, so do not wait.
  setImmediate(() => process.exit(code))
}
