// Where the template puts the server, as deploy/e2b/template.ts builds it (a test keeps them
// equal). Its own module, free of `e2b` types: the public declarations re-export it, and `e2b`
// is an optional peer dependency.
export const E2B_TEMPLATE = 'claude-agent-server'
export const E2B_APP_DIR = '/opt/claude-agent-server'
export const E2B_SERVER_PORT = 3000
export const E2B_START_COMMAND = `node ${E2B_APP_DIR}/packages/server/dist/main.js`
