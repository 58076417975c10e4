// The conversation: prompts, assistant text as sanitized markdown (thinking collapsed), tool
// cards (subagents nested), and a summary line per turn.
import { useMemo } from 'preact/hooks'
import type { Block, Conversation, Item, TurnSummary } from './conversation'
import { shownBlocks } from './conversation'
import { renderMarkdown } from './markdown'
import { ToolCard } from './tool-cards'

function Markdown({ text }: { text: string }) {
  // Parsed and sanitized once per text, not on every render of the page (a keystroke, a frame).
  const html = useMemo(() => renderMarkdown(text), [text])
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />
}

function BlockView({ block, conversation }: { block: Block; conversation: Conversation }) {
  if (block.type === 'text') return <Markdown text={block.text} />
  if (block.type === 'thinking')
    return (
      <details class="thinking">
        <summary>Thinking</summary>
        <div class="thinking-text">{block.text}</div>
      </details>
    )
  let input = block.input
  if (block.partialJson && Object.keys(input).length === 0) {
    try {
      input = JSON.parse(block.partialJson) as Record<string, unknown>
    } catch {
      // still streaming: shown once complete
    }
  }
  return (
    <ToolCard
      id={block.id}
      name={block.name}
      input={input}
      result={conversation.results.get(block.id)}
      conversation={conversation}
      renderNested={(id) => <ItemList items={conversation.childrenOf(id)} conversation={conversation} />}
    />
  )
}

const money = (usd: number) => `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`

export function summaryText(s: TurnSummary): string {
  const parts = [s.isError ? `ended: ${s.subtype}` : 'done']
  if (s.durationMs !== undefined) parts.push(`${(s.durationMs / 1000).toFixed(1)} s`)
  if (s.turns !== undefined) parts.push(`${s.turns} turn${s.turns === 1 ? '' : 's'}`)
  if (s.inputTokens !== undefined || s.outputTokens !== undefined)
    parts.push(`${s.inputTokens ?? 0} in / ${s.outputTokens ?? 0} out tokens`)
  if (s.costUsd !== undefined) parts.push(money(s.costUsd))
  return parts.join(' · ')
}

function ItemView({ item, conversation }: { item: Item; conversation: Conversation }) {
  switch (item.kind) {
    case 'user':
      return (
        <article class="msg msg-user" aria-label="your message">
          <div class="msg-text">{item.text}</div>
        </article>
      )
    case 'assistant': {
      const streaming = item.stream.length > item.final.length
      return (
        <article class="msg msg-assistant" aria-label="assistant message" aria-busy={streaming}>
          {shownBlocks(item).map((block, i) => (
            <BlockView key={i} block={block} conversation={conversation} />
          ))}
        </article>
      )
    }
    case 'result':
      return (
        <div class={`turn-summary${item.summary.isError ? ' turn-error' : ''}`} role="status" aria-label="turn summary">
          {summaryText(item.summary)}
          {item.summary.text && <div class="turn-error-text">{item.summary.text}</div>}
        </div>
      )
    case 'notice':
      return (
        <div class={`notice notice-${item.level}`} role={item.level === 'error' ? 'alert' : 'note'}>
          {item.text}
        </div>
      )
  }
}

export function ItemList({ items, conversation }: { items: Item[]; conversation: Conversation }) {
  return (
    <>
      {items.map((item) => (
        <ItemView key={item.key} item={item} conversation={conversation} />
      ))}
    </>
  )
}

export { money }
