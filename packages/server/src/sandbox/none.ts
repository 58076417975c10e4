// `--sandbox none`: no isolation. The CLI and its tools run as the server's user, see its
// files, its network and the real credential. Only ever chosen explicitly, and said loudly.
import type { Logger } from '../logger.js'
import { DEFAULT_LIMITS, type ResolvedLimits } from './limits.js'
import type { Sandbox, SandboxLimits, SandboxRun, SandboxSpec } from './sandbox.js'

export const NO_SANDBOX_WARNING =
  "Sandbox disabled (--sandbox none): the agent and every tool it runs have the server's own " +
  'user, file system, network and API credential. Use this only on a machine or container ' +
  'that is itself the sandbox.'

export class NoSandbox implements Sandbox {
  readonly kind = 'none' as const
  readonly limits: SandboxLimits

  /** `defaults` are only reported (the workspace limit is the files API's): nothing else is enforced. */
  constructor(logger: Logger, defaults: ResolvedLimits = DEFAULT_LIMITS) {
    logger.warn(NO_SANDBOX_WARNING)
    this.limits = { defaults, enforcement: 'none' }
  }

  prepare(spec: SandboxSpec): SandboxRun {
    return {
      env: { ...spec.env, ...spec.commandEnv },
      wrap: (command, args) => ({ command, args: [...args] }),
      close: async () => {},
    }
  }

  async close(): Promise<void> {}
}
