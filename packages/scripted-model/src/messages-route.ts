// POST /v1/messages: parse, answer side requests directly, otherwise let the scenario player
// pick the reply, then send it as SSE (stream: true) or as one JSON message.
import type { ServerResponse } from 'node:http'
import type { ScenarioPlayer } from './conversation.js'
import { sendApiError, sendJson, wait } from './http.js'
import type { RecordedRequest } from './recorder.js'
import { messageJson, renderReply } from './reply.js'
import { isFollowUp, lastUserMessage, parseMessagesBody, promptOf, sessionIdOf, signatureOf, toolResultTextOf } from './request.js'
import type { MessagesRequestBody } from './request.js'
import type { Reply } from './scenario.js'
import { sideRequestOf } from './side-requests.js'
import { writeSse } from './sse.js'
import { validateReply } from './validate.js'

/** What the route needs from the running server. */
export interface MessagesContext {
  player: ScenarioPlayer
  /** Errors thrown by reply functions (failed asserts), for the test to check. */
  failures: Error[]
  /** Aborts when the client hangs up or the server closes. */
  signal: AbortSignal
}

/** A reply to send, with the prompt its placeholders refer to; or a reply function's failure. */
type Choice = { reply: Reply; prompt: string } | { failure: Error }

/** Answers one request whose JSON body (or raw text) is already in `recorded.body`. */
export async function handleMessages(ctx: MessagesContext, recorded: RecordedRequest, res: ServerResponse): Promise<void> {
  const body = typeof recorded.body === 'object' ? parseMessagesBody(recorded.body) : 'body is not valid JSON'
  if (typeof body === 'string') {
    recorded.kind = 'invalid'
    return sendApiError(res, 400, 'invalid_request_error', `Invalid request: ${body}`)
  }
  const choice = await choose(ctx, recorded, body)
  if ('failure' in choice) {
    const message = `Scripted reply function failed: ${choice.failure.message}`
    return sendApiError(res, 500, 'api_error', message)
  }
  const { reply, prompt } = choice
  if (!(await wait(reply.delayMs ?? 0, ctx.signal))) return void res.destroy()
  if (reply.error) return sendApiError(res, reply.error.status, reply.error.type, reply.error.message)
  const message = renderReply(reply, body.model, { prompt, toolResult: toolResultTextOf(lastUserMessage(body)) })
  if (body.stream === true) {
    await writeSse(res, message, { chunkSize: reply.chunkSize, chunkDelayMs: reply.chunkDelayMs }, ctx.signal)
  } else {
    sendJson(res, 200, messageJson(message))
  }
}

async function choose(ctx: MessagesContext, recorded: RecordedRequest, body: MessagesRequestBody): Promise<Choice> {
  const last = lastUserMessage(body)
  const side = sideRequestOf(body)
  if (side) {
    recorded.kind = side.kind
    return { reply: side.reply, prompt: promptOf(last) }
  }
  const sessionId = sessionIdOf(recorded.headers, body)
  const pick = ctx.player.pick({
    prompt: promptOf(last),
    sessionId,
    followUp: isFollowUp(last),
    signature: signatureOf(body),
  })
  recorded.kind = pick.script === undefined ? 'fallback' : 'turn'
  if (pick.script !== undefined) Object.assign(recorded, { script: pick.script, replyIndex: pick.replyIndex })
  if (typeof pick.step !== 'function') return { reply: pick.step, prompt: pick.prompt }
  const where = pick.script === undefined ? 'fallback' : `${pick.script}.replies[${pick.replyIndex}]`
  try {
    const request = {
      body,
      headers: recorded.headers,
      sessionId,
      prompt: pick.prompt,
      toolResult: toolResultTextOf(last),
      replyIndex: pick.replyIndex,
    }
    const reply = validateReply(await pick.step(request), where)
    if (reply.error) ctx.player.markError(sessionId) // so the CLI's retry continues the script
    return { reply, prompt: pick.prompt }
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error))
    ctx.failures.push(failure)
    ctx.player.markError(sessionId)
    return { failure }
  }
}
