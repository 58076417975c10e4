// A SessionManager of its own on a given store (no sandbox, silent), for tests that make the
// store fail under it.
import { join } from 'node:path'
import { claudeSdkAgentFactory, createLogger, NoSandbox, SessionManager, settingsFromEnv, type SqliteStore } from '../../src/index.js'

export function managerOn(store: SqliteStore, dir: string): Promise<SessionManager> {
  const logger = createLogger({ level: 'silent' })
  const settings = settingsFromEnv({ DATA_DIR: join(dir, 'data'), WORKSPACE_DIR: join(dir, 'workspace') })
  return SessionManager.open({ settings, agents: claudeSdkAgentFactory, store, logger, scrub: (t) => t, sandbox: new NoSandbox(logger) })
}
