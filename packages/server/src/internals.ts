// @claude-agent/server/internals: parts the benchmark drives directly (bench/lib/sdk-session.ts
// runs the SDK without a server). Not the embedding API (that is index.ts); may change freely.
export { PushQueue } from './agent/push-queue.js'
export { buildAgentEnv } from './agent/agent-env.js'
export { profileSwitches } from './agent/profile.js'
