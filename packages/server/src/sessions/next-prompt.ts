// What the next prompt does after a CLI was lost (it exited, stalled, or the server restarted),
// said truthfully: with `persistSession: false` there is no transcript to resume from.
import type { SessionConfig } from '@claude-agent/protocol'

export function nextPromptResumes(config: SessionConfig | undefined): string {
  return config?.persistSession === false
    ? 'starts a new conversation (persistSession is false: no transcript was kept)'
    : 'resumes the conversation'
}
