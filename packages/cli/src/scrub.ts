// Errors may quote a URL or a request: the token from the environment never reaches the screen.
export function scrubbed(text: string, env: NodeJS.ProcessEnv): string {
  let out = text
  for (const key of ['CLAUDE_AGENT_TOKEN', 'E2B_API_KEY', 'ANTHROPIC_API_KEY']) {
    const secret = env[key]
    if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]')
  }
  return out
}
