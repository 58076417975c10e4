// A session with a long history, written straight into the stopped server's event log (SQLite):
// thousands of turns through the real agent would take minutes. Each turn is the frames a real
// one logs: the prompt, an assistant message with markdown and a Bash call, its result, the
// answer, and the result line (5 events).
import Database from 'better-sqlite3'
import { createLogger, databasePath, startServer } from '@claude-agent/server'
import type { Stack } from '../../../client/test/e2e/helpers/stack.js'

export const EVENTS_PER_TURN = 5

const sdk = (data: Record<string, unknown>) => ({ type: 'sdk_message', data })

/** The frames of turn `n` (from 1). */
export function turnFrames(n: number): object[] {
  return [
    sdk({ type: 'user', message: { role: 'user', content: `question ${n}` }, parent_tool_use_id: null }),
    sdk({
      type: 'assistant',
      message: {
        id: `msg-${n}-a`,
        role: 'assistant',
        content: [
          { type: 'text', text: `Looking at **item ${n}**:\n\n- one\n- two\n\n\`\`\`js\nconst n = ${n}\n\`\`\`` },
          { type: 'tool_use', id: `tool-${n}`, name: 'Bash', input: { command: `ls dir-${n}` } },
        ],
      },
      parent_tool_use_id: null,
    }),
    sdk({
      type: 'user',
      message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `tool-${n}`, content: `file-${n}.txt` }] },
      parent_tool_use_id: null,
    }),
    sdk({
      type: 'assistant',
      message: { id: `msg-${n}-b`, role: 'assistant', content: [{ type: 'text', text: `answer ${n}` }] },
      parent_tool_use_id: null,
    }),
    sdk({
      type: 'result',
      subtype: 'success',
      is_error: false,
      duration_ms: 10,
      num_turns: 1,
      total_cost_usd: 0.001,
      usage: { input_tokens: 1, output_tokens: 1 },
    }),
  ]
}

/** Stops the stack's server, appends `turns` turns to session `id`'s log, starts it again. */
export async function seedTurns(stack: Stack, id: string, turns: number): Promise<void> {
  const port = stack.server.port
  await stack.server.close()
  const db = new Database(databasePath(stack.settings))
  try {
    const last = db.prepare<[string], { last: number | null }>('SELECT MAX(seq) AS last FROM events WHERE session_id = ?').get(id)
    let seq = last?.last ?? 0
    const insert = db.prepare('INSERT INTO events (session_id, seq, at, type, frame) VALUES (?, ?, ?, ?, ?)')
    db.transaction(() => {
      for (let n = 1; n <= turns; n++)
        for (const frame of turnFrames(n)) {
          seq++
          insert.run(id, seq, Date.now(), 'sdk_message', JSON.stringify({ ...frame, seq }))
        }
    })()
  } finally {
    db.close()
  }
  stack.server = await startServer({ settings: { ...stack.settings, port }, logger: createLogger({ level: 'silent' }) })
}
