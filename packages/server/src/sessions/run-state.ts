// Where a session's agent stands: one discriminated state instead of a handful of flags. A turn
// exists only while an agent runs; a closed (deleted) session never starts one again.
import type { QueryConfig } from '@claude-agent/protocol'
import type { AgentRun } from '../agent/agent.js'
import type { ModelFailure } from '../sandbox/sandbox.js'
import type { BudgetRefusal } from '../usage/ledger.js'

/** What the API reports about a session's live agent. */
export interface RunInfo {
  config: QueryConfig
  startedAt: string
  pid: number | undefined
  resumed: boolean
}

/** One live CLI process. */
export interface LiveAgent {
  run: AgentRun
  info: RunInfo
  /** The CLI said `init`: it started, so its end is an exit, not a failed start. */
  sawInit: boolean
}

/** How the session goes on once the running turn has ended. */
export type AfterTurn =
  /** Keep the CLI for the next prompt. */
  | 'keep'
  /** Release it: a change the live CLI refused waits for a fresh one. */
  | 'suspended'
  /** Release it: the turn failed, the next prompt gets a fresh CLI. */
  | 'failed'

export interface Turn {
  /** The prompt's uuid, when it has one. */
  uuid: string | undefined
  /** An interrupt was asked: an error result is its answer, not a failure. */
  interrupting: boolean
  /** The last model API failure the gateway reported during the turn. */
  modelFailure: ModelFailure | undefined
  /** The budget the gateway refused a request of this turn for. */
  budgetRefusal?: BudgetRefusal
  after: AfterTurn
}

export type RunState =
  /** No CLI: the next prompt (or a prewarm) starts one. */
  | { kind: 'stopped' }
  /** A CLI waits for a prompt. */
  | { kind: 'idle'; agent: LiveAgent }
  /** A CLI works on a turn. */
  | { kind: 'turn'; agent: LiveAgent; turn: Turn }
  /** Deleted: nothing starts again. */
  | { kind: 'closed' }

export const newTurn = (uuid: string | undefined): Turn => ({ uuid, interrupting: false, modelFailure: undefined, after: 'keep' })
