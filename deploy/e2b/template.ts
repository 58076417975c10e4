// The E2B template of the server, built from THIS working tree (the original cloned its
// upstream repository, so local changes never deployed). The Claude Code CLI ships inside
// the SDK's npm package, so `npm ci` preinstalls it and a sandbox starts without downloads.
// The server is not started here: the client provider starts it per sandbox with the
// credential and a fresh token in its environment, so neither is baked into the snapshot.
import { fileURLToPath } from 'node:url'
import { Template } from 'e2b'

export const APP_DIR = '/opt/claude-agent-server'
export const SERVER_PORT = 3000
/** What the provider runs to start the server (credentials come as process env). */
export const START_COMMAND = `node ${APP_DIR}/packages/server/dist/main.js`

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/** Files of the tree the server needs to build; everything else stays home. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.json', 'packages']

export const template = Template({
  fileContextPath: repoRoot,
  fileIgnorePatterns: ['**/node_modules/**', '**/dist/**', '**/*.tsbuildinfo', '**/test/**', '**/.env'],
})
  .fromNodeImage('20')
  .aptInstall(['bubblewrap'], { noInstallRecommends: true })
  .copy(SOURCES, `${APP_DIR}/`, { user: 'root' })
  .setWorkdir(APP_DIR)
  .runCmd(['npm ci --no-audit --no-fund', 'npm run build', 'npm prune --omit=dev'], { user: 'root' })
  .setEnvs({
    HOST: '0.0.0.0',
    PORT: String(SERVER_PORT),
    DATA_DIR: '/home/user/.claude-agent-server',
    WORKSPACE_DIR: '/home/user/workspace',
  })
