// What a measure reports: one row per figure, with the baseline measured in the same run,
// their ratio, and the target it is held against. A figure that cannot be measured yet has
// value null and says why; nothing here invents a number.
import { round, roundSummary, summarize, type Summary } from './stats.js'

export type Unit = 'ms' | 'µs' | 'events/s' | 'MB' | 'KB' | 'x'

export interface Value {
  /** The headline number (usually the median over runs), or null when not measurable. */
  value: number | null
  unit: Unit
  /** What the number is, e.g. "median of 40 warm turns". */
  label: string
  /** The per-run values behind `value`, summarized (spread: q1-q3 and min-max). */
  runs?: Summary
  /** Why `value` is null. */
  reason?: string
}

export interface Target {
  /** e.g. "<= 1.05x baseline" */
  text: string
  /** null: not judged (no value yet). */
  met: boolean | null
}

export interface Figure {
  /** Stable key for comparing runs, e.g. "turn.warm". */
  id: string
  /** The measurement it belongs to, e.g. "turn overhead". */
  measure: string
  /** The row's label. */
  name: string
  figure: Value
  baseline?: Value
  /** figure / baseline. */
  ratio?: number | null
  target?: Target
  /** Further numbers that explain the figure (e.g. what the CLI alone achieves). */
  context?: Value[]
  notes?: string[]
}

/** The median of per-run samples, with their spread. */
export function fromRuns(samples: readonly number[], unit: Unit, label: string): Value {
  const runs = roundSummary(summarize(samples))
  return { value: runs.median, unit, label, runs }
}

/** A single derived number (no runs of its own). */
export function single(value: number, unit: Unit, label: string): Value {
  return { value: round(value), unit, label }
}

export function unavailable(unit: Unit, label: string, reason: string): Value {
  return { value: null, unit, label, reason }
}

export function ratioOf(figure: Value, baseline: Value | undefined): number | null {
  if (figure.value === null || !baseline || baseline.value === null || baseline.value === 0) return null
  return round(figure.value / baseline.value, 3)
}
