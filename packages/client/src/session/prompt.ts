// A prompt as a user_message frame carrying its own uuid, validated before anything is sent.
import type { UserMessage } from '@claude-agent/protocol'
import { ClientFrameSchema, FRAME, describeIssues, summarizeIssues } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import type { PromptFrame } from './turns.js'

/** What a prompt may contain: a string or content blocks (text, image, ...), as the SDK takes. */
export type PromptInput = UserMessage['message']['content']

export interface PromptOptions {
  /**
   * Aborting rejects with `signal.reason` at once. A prompt not sent yet is dropped; one the
   * server runs is interrupted; one queued on the server is interrupted when it starts.
   */
  signal?: AbortSignal
}

/** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for input the server would refuse. */
export function promptFrame(input: PromptInput): PromptFrame {
  const frame: PromptFrame = {
    type: FRAME.userMessage,
    data: { type: 'user', uuid: globalThis.crypto.randomUUID(), parent_tool_use_id: null, message: { role: 'user', content: input } },
  }
  const checked = ClientFrameSchema.safeParse(frame)
  if (!checked.success) {
    const issues = summarizeIssues(describeIssues(checked.error))
    throw new ClaudeAgentClientError('INVALID_ARGUMENT', `Invalid prompt: ${issues}`)
  }
  return frame
}
