// `npm run build:e2b`: builds and registers the E2B template from the local tree.
// Needs E2B_API_KEY (environment or .env). Alias: E2B_TEMPLATE, default `claude-agent-server`.
import { existsSync } from 'node:fs'
import { Template, defaultBuildLogger } from 'e2b'
import { template } from './template.js'

if (existsSync('.env')) process.loadEnvFile('.env')
if (!process.env['E2B_API_KEY']) {
  console.error('E2B_API_KEY is not set: get one at e2b.dev and put it in the environment or .env')
  process.exit(1)
}
const alias = process.env['E2B_TEMPLATE'] || 'claude-agent-server'
const info = await Template.build(template, { alias, cpuCount: 2, memoryMB: 2048, onBuildLogs: defaultBuildLogger() })
console.log(`Built E2B template "${alias}" (${info.templateId}).`)
