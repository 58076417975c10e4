// Picks the sandbox the settings ask for. bubblewrap is the default; none must be chosen
// explicitly and says so in the log.
import type { Logger } from '../logger.js'
import type { ServerSettings } from '../settings.js'
import { BubblewrapSandbox } from './bubblewrap.js'
import { NoSandbox } from './none.js'
import { DEFAULT_MODEL_API } from './sandbox-env.js'
import type { Sandbox } from './sandbox.js'

/**
 * @throws SandboxError when bubblewrap is asked for and cannot work here (see BubblewrapSandbox.create)
 */
export function createSandbox(settings: ServerSettings, logger: Logger): Sandbox {
  if (settings.sandbox === 'none') return new NoSandbox(logger)
  return BubblewrapSandbox.create({
    dataDir: settings.dataDir,
    logger,
    agentVars: settings.agentVars,
    modelApi: settings.agentVars['ANTHROPIC_BASE_URL'] || settings.demoModelUrl || DEFAULT_MODEL_API,
    ...(settings.sandboxAllowedHosts ? { allowedHosts: settings.sandboxAllowedHosts } : {}),
    ...(settings.sandboxHide ? { hide: settings.sandboxHide } : {}),
  })
}
