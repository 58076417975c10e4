// The table: measure, figure, baseline, ratio, target, met. Plain text for the terminal and
// Markdown for docs/benchmarks.md, from the same rows.
import type { Figure, Value } from './figure.js'

function num(v: number): string {
  const abs = Math.abs(v)
  if (abs >= 100_000) return Math.round(v).toLocaleString('en-US')
  if (abs >= 100) return String(Math.round(v))
  if (abs >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

/** `52.1 ms [50.3–54.0]`: the brackets are the runs' interquartile range (min–max under 4 runs). */
export function formatValue(v: Value | undefined, withSpread = true): string {
  if (!v) return ''
  if (v.value === null) return 'n/a'
  const unit = v.unit === 'x' ? 'x' : ` ${v.unit}`
  let text = `${num(v.value)}${unit}`
  if (withSpread && v.runs && v.runs.n > 1) {
    const [lo, hi] = v.runs.n >= 4 ? [v.runs.q1, v.runs.q3] : [v.runs.min, v.runs.max]
    text += ` [${num(lo)}–${num(hi)}]`
  }
  return text
}

function met(f: Figure): string {
  if (!f.target) return ''
  return f.target.met === null ? 'n/a' : f.target.met ? 'yes' : 'NO'
}

function rows(figures: readonly Figure[]): string[][] {
  return figures.map((f) => [
    f.name,
    formatValue(f.figure),
    f.baseline ? `${formatValue(f.baseline)} (${f.baseline.label})` : '',
    f.ratio === undefined || f.ratio === null ? '' : `${f.ratio.toFixed(2)}x`,
    f.target?.text ?? '',
    met(f),
  ])
}

const HEADER = ['measure', 'figure', 'baseline', 'ratio', 'target', 'met?']

export function textTable(figures: readonly Figure[]): string {
  const all = [HEADER, ...rows(figures)]
  const widths = HEADER.map((_, i) => Math.min(60, Math.max(...all.map((r) => r[i]!.length))))
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(figures).map(line)].join('\n')
}

export function markdownTable(figures: readonly Figure[]): string {
  const escape = (c: string) => c.replaceAll('|', '\\|')
  const out = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => ' --- ').join('|')}|`]
  for (const r of rows(figures)) out.push(`| ${r.map(escape).join(' | ')} |`)
  return out.join('\n')
}

/** Rows whose figure is n/a, with the reason, and every note: printed under the table. */
export function footnotes(figures: readonly Figure[]): string[] {
  const out: string[] = []
  for (const f of figures) {
    if (f.figure.value === null && f.figure.reason) out.push(`${f.name}: n/a: ${f.figure.reason}`)
    for (const c of f.context ?? []) out.push(`${f.name}: ${c.label}: ${formatValue(c)}`)
    for (const n of f.notes ?? []) out.push(`${f.name}: ${n}`)
  }
  return out
}
