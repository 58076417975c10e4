// Picks the reply for each turn request: a new prompt selects a script, follow-ups (tool
// results, or a retry after an error reply) take that script's next reply. Progress is kept
// per conversation, keyed by the CLI's session id, so parallel sessions do not interfere.
import { DEFAULT_FALLBACK } from './scenario.js'
import type { PromptMatcher, ReplyStep, Scenario, Script } from './scenario.js'

/** What the player needs to know about a turn request. */
export interface TurnRequest {
  prompt: string
  sessionId: string | undefined
  followUp: boolean
  /** Same value for the same request sent again (see `signatureOf`). */
  signature: string
}

/** The step chosen for a request, and where it came from. */
export interface Pick {
  step: ReplyStep
  /** Script name, or undefined for the fallback. */
  script: string | undefined
  replyIndex: number
  /** The prompt of the conversation turn (a follow-up carries none of its own). */
  prompt: string
}

/** A scripted reply that no request consumed. */
export interface UnusedReply {
  script: string
  replyIndex: number
}

interface Progress {
  script: number | undefined
  next: number
  prompt: string
  lastWasError: boolean
  lastSignature: string
}

const NO_SESSION = '<no session id>'

export class ScenarioPlayer {
  private readonly spent = new Set<number>()
  private readonly used = new Set<string>()
  private readonly progress = new Map<string, Progress>()

  constructor(readonly scenario: Scenario) {}

  /** Chooses the step for a turn request and advances the conversation. */
  pick(request: TurnRequest): Pick {
    const key = request.sessionId ?? NO_SESSION
    const current = this.progress.get(key)
    const retry = current?.lastWasError === true && current.lastSignature === request.signature
    // A follow-up with no known conversation (e.g. after reset) must not consume a script.
    const next = (request.followUp || retry) && current ? current : request.followUp ? fresh(undefined, '') : this.select(request)
    this.progress.set(key, next)
    next.lastSignature = request.signature
    const script = next.script === undefined ? undefined : this.scenario.scripts[next.script]
    const step = script?.replies[next.next]
    if (script === undefined || step === undefined) {
      next.lastWasError = false
      return { step: this.scenario.fallback ?? DEFAULT_FALLBACK, script: undefined, replyIndex: 0, prompt: next.prompt }
    }
    const replyIndex = next.next++
    this.used.add(`${next.script}:${replyIndex}`)
    next.lastWasError = typeof step !== 'function' && step.error !== undefined
    return { step, script: nameOf(script, next.script ?? 0), replyIndex, prompt: next.prompt }
  }

  /** Records that a reply function answered with an error, so its retry continues the script. */
  markError(sessionId: string | undefined): void {
    const progress = this.progress.get(sessionId ?? NO_SESSION)
    if (progress) progress.lastWasError = true
  }

  /** Every scripted reply not yet served, in scenario order. */
  unusedReplies(): UnusedReply[] {
    const unused: UnusedReply[] = []
    this.scenario.scripts.forEach((script, s) => {
      script.replies.forEach((_, r) => {
        if (!this.used.has(`${s}:${r}`)) unused.push({ script: nameOf(script, s), replyIndex: r })
      })
    })
    return unused
  }

  private select(request: TurnRequest): Progress {
    const index = this.scenario.scripts.findIndex((script, i) => (script.repeat === true || !this.spent.has(i)) && matches(script, request))
    if (index >= 0) this.spent.add(index)
    return fresh(index >= 0 ? index : undefined, request.prompt)
  }
}

function fresh(script: number | undefined, prompt: string): Progress {
  return { script, next: 0, prompt, lastWasError: false, lastSignature: '' }
}

function matches(script: Script, request: TurnRequest): boolean {
  const match = script.match
  if (!match) return true
  if (match.sessionId !== undefined && match.sessionId !== request.sessionId) return false
  return match.prompt === undefined || promptMatches(match.prompt, request.prompt)
}

function promptMatches(matcher: PromptMatcher, prompt: string): boolean {
  if (typeof matcher === 'string') return prompt.includes(matcher)
  // A fresh RegExp each time: a shared /g regex would carry lastIndex between prompts.
  const regex = matcher instanceof RegExp ? new RegExp(matcher.source, matcher.flags) : new RegExp(matcher.regex, matcher.flags)
  return regex.test(prompt)
}

function nameOf(script: Script, index: number): string {
  return script.name ?? `scripts[${index}]`
}
