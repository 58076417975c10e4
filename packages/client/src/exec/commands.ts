// `client.commands` (and `session.commands`): run commands in a session, named as the E2B SDK's
// `sandbox.commands.run`. One class for the client and attached sessions.
import type { TargetSource } from '../files/files.js'
import { exec, type ExecOptions, type ExecResult } from './exec.js'

export class Commands {
  constructor(private readonly target: TargetSource) {}

  /**
   * Run a command in the session (its working directory and sandbox) and resolve when it
   * exits, with its exit code and output; `onStdout`/`onStderr` get the output as it comes.
   * A command that fails is a result with its exit code; one that cannot start rejects
   * `REQUEST_FAILED` (`EXEC_FAILED`).
   * @example const { exitCode, stdout } = await client.commands.run('ls', { args: ['-la'] })
   */
  async run(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const target = this.target('commands.run')
    return exec(target, options.sessionId ?? target.sessionId, command, options)
  }
}
