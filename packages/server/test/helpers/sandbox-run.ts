// Runs a bash script in a prepared sandbox run, as the agent's tools would: its exit code and
// everything it printed (stdout and stderr together).
import { spawn } from 'node:child_process'
import type { SandboxRun } from '../../src/sandbox/sandbox.js'

export async function runInSandbox(run: SandboxRun, cwd: string, script: string): Promise<{ code: unknown; out: string }> {
  const { command, args, fds = [] } = run.wrap('/bin/bash', ['-c', script])
  const child = spawn(command, args, { cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe', ...fds] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const code = await new Promise((resolve) => child.on('close', resolve))
  return { code, out }
}
