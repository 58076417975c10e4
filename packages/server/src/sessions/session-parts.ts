// The parts a Session is a facade over, built and wired to each other: its config (OwnConfig),
// events (EventHub), tool approvals (PermissionBroker), CLI (AgentLauncher, AgentSupervisor)
// and turns (TurnQueue, Turns). What needs the session itself goes through SessionHooks.
import type { SdkMessage, SessionState } from '@claude-agent/protocol'
import type { ModelFailure } from '../sandbox/sandbox.js'
import { AgentLauncher, lexicalSessionCwd } from './agent-launcher.js'
import { AgentSupervisor } from './agent-supervisor.js'
import { EventHub } from './event-hub.js'
import { PermissionBroker, sessionRules } from './permission-broker.js'
import { OwnConfig } from './session-config.js'
import type { SessionOptions } from './session-options.js'
import { TurnQueue } from './turn-queue.js'
import { Turns, type Reporter } from './turns.js'

export interface SessionParts {
  config: OwnConfig
  hub: EventHub
  broker: PermissionBroker
  launcher: AgentLauncher
  agent: AgentSupervisor
  queue: TurnQueue
  turns: Turns
}

export interface SessionHooks {
  setState(state: SessionState): void
  onMessage(message: SdkMessage): void
  modelFailed(failure: ModelFailure): void
  releaseIfUnattended(): void
  report: Reporter
}

export function createSessionParts(options: SessionOptions, hooks: SessionHooks): SessionParts {
  const { record, store, logger, limits, context } = options
  const config = new OwnConfig(record.id, options.config ?? record.config, store, logger, options.defaults, options)
  // The callbacks below read parts built after them; none runs before this function returns.
  const hub: EventHub = new EventHub({
    sessionId: record.id,
    log: store,
    logger,
    lastSeq: options.lastSeq,
    openRequests: () => broker.openEvents(),
    onLeave: () => hooks.releaseIfUnattended(),
    ...(options.fence && { fence: options.fence }),
    onChange: () => options.onChange?.(),
    ...(options.leaseLost && { leaseLost: options.leaseLost }),
  })
  const broker: PermissionBroker = new PermissionBroker({
    record: (frame) => hub.record(frame),
    timeoutMs: limits.permissionTimeoutMs,
    sessionRules: sessionRules(record, store, logger, options),
    onOpenChange: (open) => {
      if (open > 0) hooks.setState('waiting_for_approval')
      else if (turns.running) hooks.setState('running')
    },
  })
  const workspace = context.layout.workspaceFor(record.id, record.config)
  const launcher = new AgentLauncher(
    context,
    workspace,
    record.id,
    record.conversationId,
    options.stateDir,
    lexicalSessionCwd(workspace, record.config.cwd),
    { id: record.id, conversationId: record.conversationId, principal: record.owner ?? null },
  )
  if (options.pooled) launcher.adopt(options.pooled)
  const agent: AgentSupervisor = new AgentSupervisor(
    record.id,
    launcher,
    {
      onStderr: (line) => hub.emit({ type: 'info', message: context.scrub(line), source: 'cli_stderr' }),
      canUseTool: (ask) => broker.ask(ask),
      onModelFailure: (failure) => hooks.modelFailed(failure),
      // Logged first: the session's log says which limit stopped its tool.
      onLimitHit: (hit) => hub.emit({ type: 'info', message: hit.message, source: 'server' }),
      // Told once the turn's CLI reports the refused request: the turn ends with BUDGET_EXCEEDED.
      onBudgetRefused: (refusal) => {
        const turn = agent.turn
        if (turn) turn.budgetRefusal = refusal
      },
      onMessage: (message) => hooks.onMessage(message),
      onExit: (exit) => turns.onExit(exit),
      onIdle: () => turns.stopAgent('suspended'),
      waitingForPerson: () => broker.openCount > 0,
    },
    logger,
    limits.idleTimeoutMs,
    context.capacity,
  )
  const queue = new TurnQueue(record.id, store, options.fence)
  const turns: Turns = new Turns({
    sessionId: record.id,
    queue,
    agent,
    report: hooks.report,
    logger,
    ensureAgent: () => agent.ensureAgent(() => config.effective),
    turnSilenceTimeoutMs: limits.turnSilenceTimeoutMs,
    interruptTimeoutMs: limits.interruptTimeoutMs,
  })
  return { config, hub, broker, launcher, agent, queue, turns }
}
