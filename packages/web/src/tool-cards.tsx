// Typed cards for tool calls: what a person needs to see of each tool (a command and its output,
// a file and its diff, a checklist), and the raw input for tools the console does not know.
import type { ComponentChildren } from 'preact'
import { useMemo } from 'preact/hooks'
import type { Conversation, ToolResult } from './conversation'
import { lineDiff } from './diff'
import { highlight, languageOf } from './markdown'
import { revealed, revealedJson } from './reveal'

type Input = Record<string, unknown>
// A tool's input is shown with the characters that hide or reorder text as escapes (reveal.ts).
const s = (v: unknown): string => revealed(typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v))

export interface ToolCardProps {
  id: string
  name: string
  input: Input
  result: ToolResult | undefined
  conversation: Conversation
  renderNested: (toolUseId: string) => ComponentChildren
}

function Card(props: { name: string; title: string; result: ToolResult | undefined; children?: ComponentChildren }) {
  const state = props.result ? (props.result.isError ? 'error' : 'done') : 'running'
  return (
    <section class={`tool-card tool-${state}`} aria-label={`${props.name} tool: ${props.title}`} data-tool={props.name}>
      <header>
        <span class="tool-name">{props.name}</span> <code class="tool-title">{props.title}</code>
        <span class="tool-state" aria-label={`state ${state}`}>
          {state === 'running' ? '…' : state === 'error' ? '✗' : '✓'}
        </span>
      </header>
      {props.children}
    </section>
  )
}

function Output({ result, label }: { result: ToolResult | undefined; label: string }) {
  if (!result?.text) return null
  return (
    <pre class={result.isError ? 'output output-error' : 'output'} aria-label={label}>
      {result.text}
    </pre>
  )
}

export function Diff({ before, after, path }: { before: string; after: string; path: string }) {
  return (
    <pre class="diff" aria-label={`diff of ${path}`}>
      {lineDiff(before, after).map((line, i) => (
        <div key={i} class={line.op === '+' ? 'diff-add' : line.op === '-' ? 'diff-del' : 'diff-same'}>
          {line.op} {line.text}
        </div>
      ))}
    </pre>
  )
}

function Todos({ todos }: { todos: unknown }) {
  const list = Array.isArray(todos) ? (todos as Input[]) : []
  return (
    <ul class="todos" aria-label="todo list">
      {list.map((todo, i) => (
        <li key={i} class={`todo-${s(todo['status'])}`}>
          <input type="checkbox" checked={todo['status'] === 'completed'} disabled aria-label={s(todo['content'])} />{' '}
          {todo['status'] === 'in_progress' ? <strong>{s(todo['activeForm'] || todo['content'])}</strong> : s(todo['content'])}
        </li>
      ))}
    </ul>
  )
}

/** Highlighted once per code, not on every render of the page. */
function Highlighted({ code, language }: { code: string; language: string | undefined }) {
  const html = useMemo(() => highlight(code, language), [code, language])
  return <code class="hljs" dangerouslySetInnerHTML={{ __html: html }} />
}

export function ToolCard(props: ToolCardProps) {
  const { name, input, result } = props
  const path = s(input['file_path'] ?? input['path'] ?? input['notebook_path'])
  switch (name) {
    case 'Bash':
      return (
        <Card name={name} title={s(input['description'] || input['command'])} result={result}>
          <pre class="command" aria-label="command">
            $ {s(input['command'])}
          </pre>
          <Output result={result} label="command output" />
        </Card>
      )
    case 'Read':
      return (
        <Card name={name} title={path} result={result}>
          {result && (
            <details>
              <summary>contents</summary>
              <Output result={result} label={`contents of ${path}`} />
            </details>
          )}
          {result?.isError && <Output result={result} label="error" />}
        </Card>
      )
    case 'Write':
      return (
        <Card name={name} title={path} result={result}>
          <Diff before="" after={s(input['content'])} path={path} />
          {result?.isError && <Output result={result} label="error" />}
        </Card>
      )
    case 'Edit':
    case 'MultiEdit': {
      const edits = Array.isArray(input['edits']) ? (input['edits'] as Input[]) : [input]
      return (
        <Card name={name} title={path} result={result}>
          {edits.map((edit, i) => (
            <Diff key={i} before={s(edit['old_string'])} after={s(edit['new_string'])} path={path} />
          ))}
          {result?.isError && <Output result={result} label="error" />}
        </Card>
      )
    }
    case 'Grep':
    case 'Glob':
      return (
        <Card name={name} title={`${s(input['pattern'])}${input['path'] ? ` in ${s(input['path'])}` : ''}`} result={result}>
          <Output result={result} label={`${name} results`} />
        </Card>
      )
    case 'TodoWrite':
      return (
        <Card name={name} title="todos" result={result}>
          <Todos todos={input['todos']} />
          {result?.isError && <Output result={result} label="error" />}
        </Card>
      )
    case 'Task':
    case 'Agent':
      return (
        <Card name={name} title={s(input['description'] || input['subagent_type'])} result={result}>
          <div class="nested" aria-label="subagent messages">
            {props.renderNested(props.id)}
          </div>
          <Output result={result} label="subagent result" />
        </Card>
      )
    default: {
      const mcp = /^mcp__([^_]+(?:_[^_]+)*)__(.+)$/.exec(name)
      const json = revealedJson(input)
      return (
        <Card name={mcp ? `MCP ${mcp[1]}` : name} title={mcp ? mcp[2]! : path} result={result}>
          <pre class="input" aria-label="tool input">
            <Highlighted code={json} language="json" />
          </pre>
          <Output result={result} label="tool result" />
        </Card>
      )
    }
  }
}

/** A file's content, highlighted by its extension. */
export function CodeView({ path, text }: { path: string; text: string }) {
  return (
    <pre class="file-view" aria-label={`contents of ${path}`}>
      <Highlighted code={text} language={languageOf(path)} />
    </pre>
  )
}
