// A tool call as one compact line, its result as a few indented lines, and an edit as a diff.
import { printable } from './scrub.js'
import type { Style } from './style.js'

const PRIMARY: Record<string, string> = {
  Bash: 'command',
  Read: 'file_path',
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
  Glob: 'pattern',
  Grep: 'pattern',
  WebFetch: 'url',
  WebSearch: 'query',
  Task: 'description',
}

export function oneLine(value: unknown, max = 100): string {
  const text = printable(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function toolCall(name: string, input: unknown): string {
  const record = (input ?? {}) as Record<string, unknown>
  const key = PRIMARY[name]
  const main = key !== undefined && typeof record[key] === 'string' ? record[key] : input
  // The name is the server's too (a permission request, a tool_use): shown, never obeyed.
  return `${printable(name)}(${oneLine(main)})`
}

/** The whole input when toolCall's one line cut it short (a long command, one with line
 *  breaks): an approval shows all of what it allows, not its first 100 characters. */
export function inputLines(name: string, input: unknown, maxLines = 40): string[] {
  const record = (input ?? {}) as Record<string, unknown>
  const key = PRIMARY[name]
  const main = key !== undefined && typeof record[key] === 'string' ? record[key] : input
  const text = typeof main === 'string' ? main : (JSON.stringify(main) ?? '')
  if (oneLine(text) === text) return []
  const whole = typeof main === 'string' ? main : (JSON.stringify(main, null, 2) ?? '')
  return clip(printable(whole).split('\n'), maxLines).map((l, i) => (i === maxLines ? `${l} ([e] shows them all)` : l))
}

/** What the approval's other lines already show of each tool's input: the main field (toolCall,
 *  inputLines) and the diff (editDiff). */
const SHOWN: Record<string, readonly string[]> = { Edit: ['old_string', 'new_string'], Write: ['content'] }

/** The fields of the input that toolCall, inputLines and editDiff leave out, one `key: value`
 *  line each (a string whole, over lines of its own if it has line breaks): an Edit's
 *  `replace_all`, a Bash command's `run_in_background`, a NotebookEdit's new cell were approved
 *  without being shown. */
export function otherFields(name: string, input: unknown, maxLines = 40): string[] {
  const record = (input ?? {}) as Record<string, unknown>
  const key = PRIMARY[name]
  // Without its main field as a string, the whole input is what toolCall shows.
  if (key === undefined || typeof record[key] !== 'string') return []
  const shown = new Set([key, ...(SHOWN[name] ?? [])])
  const lines = Object.entries(record)
    .filter(([k]) => !shown.has(k))
    .flatMap(([k, v]) => printable(`${k}: ${typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))}`).split('\n'))
  return clip(lines, maxLines).map((l, i) => (i === maxLines ? `${l} ([e] shows them all)` : l))
}

/** The `-`/`+` lines of an Edit (old_string → new_string) or the size of a Write. */
export function editDiff(name: string, input: unknown, style: Style, maxLines = 12): string[] {
  const record = (input ?? {}) as Record<string, unknown>
  if (name === 'Edit' && typeof record['old_string'] === 'string' && typeof record['new_string'] === 'string') {
    const removed = printable(record['old_string'])
      .split('\n')
      .map((l) => style.red(`- ${l}`))
    const added = printable(record['new_string'])
      .split('\n')
      .map((l) => style.green(`+ ${l}`))
    return clip([...removed, ...added], maxLines)
  }
  if (name === 'Write' && typeof record['content'] === 'string') {
    return clip(
      printable(record['content'])
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => style.green(`+ ${l}`)),
      maxLines,
    )
  }
  return []
}

/** The text of a tool_result block's content (a string or text blocks). */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content.map((b) => (b && typeof b === 'object' && typeof b.text === 'string' ? b.text : '')).join('\n')
  }
  return ''
}

export function resultLines(text: string, maxLines = 4): string[] {
  const lines = printable(text).replace(/\s+$/, '').split('\n')
  return clip(lines.length === 1 && lines[0] === '' ? ['(no output)'] : lines, maxLines)
}

function clip(lines: string[], max: number): string[] {
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more lines`] : lines
}
