// Agent output and file contents are untrusted: markdown is rendered by marked, then sanitized by
// DOMPurify (no script, no event handler, no javascript: link), and code is highlighted by
// highlight.js with a few languages only (core build: small, nothing loaded at run time).
import DOMPurify from 'dompurify'
import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import css from 'highlight.js/lib/languages/css'
import diff from 'highlight.js/lib/languages/diff'
import go from 'highlight.js/lib/languages/go'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import markdownLang from 'highlight.js/lib/languages/markdown'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'
import { Marked } from 'marked'

const LANGUAGES = { bash, css, diff, go, javascript, json, markdown: markdownLang, python, rust, typescript, xml, yaml }
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language)
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' })
hljs.registerAliases(['js', 'mjs', 'cjs', 'jsx'], { languageName: 'javascript' })
hljs.registerAliases(['ts', 'tsx', 'mts'], { languageName: 'typescript' })
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' })
hljs.registerAliases(['py'], { languageName: 'python' })
hljs.registerAliases(['yml'], { languageName: 'yaml' })
hljs.registerAliases(['md'], { languageName: 'markdown' })
hljs.registerAliases(['rs'], { languageName: 'rust' })

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** Highlighted HTML for `code` (escaped only when the language is unknown). */
export function highlight(code: string, language: string | undefined): string {
  if (language && hljs.getLanguage(language)) return hljs.highlight(code, { language, ignoreIllegals: true }).value
  return escapeHtml(code)
}

/** The language of a file name, for the viewer. */
export const languageOf = (path: string): string | undefined => {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase()
  return ext && hljs.getLanguage(ext) ? ext : undefined
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    code({ text, lang }) {
      const language = lang?.split(/\s/)[0]
      const cls = language && hljs.getLanguage(language) ? ` class="hljs language-${escapeHtml(language)}"` : ' class="hljs"'
      return `<pre><code${cls}>${highlight(text, language)}</code></pre>`
    },
  },
})

const purifier = DOMPurify()
/** The classes the highlighter gives code; any other would let the agent's markup take on the
 * console's own look (a link styled as its Allow button). */
const HIGHLIGHT_CLASS = /^(hljs|language-)[\w-]*$/
purifier.addHook('afterSanitizeAttributes', (node) => {
  const classes = node.getAttribute('class')
  if (classes !== null) {
    const kept = classes.split(/\s+/).filter((c) => HIGHLIGHT_CLASS.test(c))
    if (kept.length > 0) node.setAttribute('class', kept.join(' '))
    else node.removeAttribute('class')
  }
  // Links leave the page in a new tab and tell the target nothing.
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer')
  }
})

/** Sanitized HTML for untrusted markdown. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false })
  // No role, ARIA attribute or id either: a message could otherwise hold a group named
  // "approval for Bash" with an "Allow" button in it, or a second element with the id of the
  // console's root, for whoever finds controls by role and name (a screen reader, a test).
  return purifier.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'],
    FORBID_ATTR: ['style', 'id', 'name', 'role', 'for', 'tabindex'],
    ALLOW_ARIA_ATTR: false,
  })
}
