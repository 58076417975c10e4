// Control requests on one session connection: each `control` frame carries an id of ours and
// gets exactly one `control_response` with that id, sent to this connection only. A response
// cannot arrive on another socket, so requests still waiting when the socket drops are lost.
import type { ControlFrame, ControlRequest, ServerFrame } from '@claude-agent/protocol'
import { ControlRequestSchema, FRAME, describeIssues, summarizeIssues } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'

export interface ControlOptions {
  /** Aborting rejects with `signal.reason` (the server still carries the request out). */
  signal?: AbortSignal
}

interface Waiting {
  subtype: ControlRequest['subtype']
  resolve(result: unknown): void
  reject(error: unknown): void
}

export class ControlChannel {
  private next = 0
  private readonly waiting = new Map<string, Waiting>()

  /** `send` writes the frame or throws (`NOT_CONNECTED`). */
  constructor(private readonly send: (frame: ControlFrame) => void) {}

  /** Resolves with the response's `result`; rejects `CONTROL_FAILED` (with `wireError`), `INVALID_ARGUMENT`, `NOT_CONNECTED`. */
  request(request: ControlRequest, options: ControlOptions = {}): Promise<unknown> {
    const { signal } = options
    if (signal?.aborted) return Promise.reject(signal.reason)
    const checked = ControlRequestSchema.safeParse(request)
    if (!checked.success) {
      const issues = summarizeIssues(describeIssues(checked.error))
      return Promise.reject(new ClaudeAgentClientError('INVALID_ARGUMENT', `Invalid control request: ${issues}`))
    }
    const id = `ctl_${++this.next}`
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(id)
        reject(signal?.reason)
      }
      const done = () => signal?.removeEventListener('abort', onAbort)
      this.waiting.set(id, {
        subtype: request.subtype,
        resolve: (value) => (done(), resolve(value)),
        reject: (error) => (done(), reject(error)),
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        this.send({ type: FRAME.control, id, request: checked.data })
      } catch (error) {
        this.waiting.get(id)?.reject(error)
        this.waiting.delete(id)
      }
    })
  }

  /** Feed every frame; a `control_response` settles its request. */
  observe(frame: ServerFrame): void {
    if (frame.type !== FRAME.controlResponse) return
    const waiting = this.waiting.get(frame.id)
    if (!waiting) return
    this.waiting.delete(frame.id)
    if (frame.ok) return waiting.resolve(frame.result)
    const wireError = frame.error ?? { code: 'CONTROL_FAILED', error: 'The server gave no reason' }
    waiting.reject(
      new ClaudeAgentClientError('CONTROL_FAILED', `${waiting.subtype} failed: ${wireError.code}: ${wireError.error}`, { wireError }),
    )
  }

  /** Reject every request still waiting. */
  failAll(error: ClaudeAgentClientError): void {
    for (const waiting of this.waiting.values()) waiting.reject(error)
    this.waiting.clear()
  }
}
