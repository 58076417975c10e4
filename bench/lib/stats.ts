// Summaries of repeated samples: the median and percentiles by linear interpolation, and the
// spread as the interquartile range plus min and max. Nothing here judges a number.

export interface Summary {
  n: number
  median: number
  p50: number
  p99: number
  /** First and third quartiles; their difference is the IQR. */
  q1: number
  q3: number
  min: number
  max: number
  mean: number
}

/** The p-th percentile (0..100) of sorted values, interpolating between neighbours. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  const a = sorted[lo]!
  const b = sorted[hi]!
  return a + (b - a) * (rank - lo)
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples')
  const sorted = [...samples].sort((a, b) => a - b)
  const median = percentile(sorted, 50)
  return {
    n: sorted.length,
    median,
    p50: median,
    p99: percentile(sorted, 99),
    q1: percentile(sorted, 25),
    q3: percentile(sorted, 75),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  }
}

export const median = (samples: readonly number[]): number => summarize(samples).median

/** Rounds to a few significant digits so the JSON stays readable. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(value))))
  return Math.round(value * scale) / scale
}

export function roundSummary(s: Summary): Summary {
  const out = { ...s }
  for (const key of Object.keys(out) as (keyof Summary)[]) if (key !== 'n') out[key] = round(out[key])
  return out
}
