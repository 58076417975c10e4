// A real pseudo-terminal for the CLI: tmux runs `claude-agent …` (the sources, through tsx) in
// a detached session on its own server socket; tests type keys and wait on what the screen shows.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
export const CLI_MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
/** node + the CLI's sources, the way the test runner loads them. */
export const CLI = [process.execPath, '--import', import.meta.resolve('tsx'), '--conditions=claude-agent-source', CLI_MAIN]

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export interface Terminal {
  /** What the terminal shows (and its scrollback); `escapes`: with the colour codes. */
  screen(options?: { escapes?: boolean }): string
  /** Resolves with the screen once `pattern` is on it; fails with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>
  /** The pane's title (what an OSC 0/2 sequence would set). */
  title(): string
  /** tmux key names: 'Enter', 'C-c', 'y'. */
  keys(...keys: string[]): void
  /** Literal text, then Enter. */
  typeLine(text: string): void
  /** `text` pasted as a terminal pastes: marked as a paste when the program asked for that
   *  (bracketed paste), line breaks sent as Enter. */
  paste(text: string): void
  close(): void
}

export function openTerminal(args: string[], env: Record<string, string> = {}): Terminal {
  const socket = `cli-test-${randomBytes(4).toString('hex')}`
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' })
  const command = [...CLI, ...args].map(quote).join(' ')
  const vars = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', TERM: 'xterm-256color', ...env }
  const exports = Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ')
  // The shell stays after the CLI exits so its exit code can be read off the screen.
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-x',
    '150',
    '-y',
    '50',
    '-c',
    REPO,
    `env -i ${exports} ${command}; echo "[exit $?]"; sleep 3600`,
  )
  const terminal: Terminal = {
    screen: (options) => tmux('capture-pane', '-p', '-J', ...(options?.escapes ? ['-e'] : []), '-S', '-500'),
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const screen = terminal.screen()
        if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)} on the screen:\n${screen}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    title: () => tmux('display-message', '-p', '#{pane_title}').trim(),
    keys: (...keys) => void tmux('send-keys', ...keys),
    typeLine(text) {
      tmux('send-keys', '-l', text)
      tmux('send-keys', 'Enter')
    },
    paste(text) {
      execFileSync('tmux', ['-L', socket, 'load-buffer', '-'], { input: text })
      tmux('paste-buffer', '-p', '-d')
    },
    close() {
      try {
        tmux('kill-server')
      } catch {
        // already gone
      }
    },
  }
  return terminal
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The CLI with pipes (not a terminal): its output and exit code. */
export function runCli(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI[0]!, [...CLI.slice(1), ...args], {
      cwd: REPO,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}
