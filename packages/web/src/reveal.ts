// Characters that change how the text around them is drawn, or are not drawn at all: the bidi
// overrides, embeddings, isolates and marks (after U+202E a command reads backwards, so the one
// a person approves is not the one that runs), zero-width ones, invisible operators, the BOM,
// the soft hyphen, line and paragraph separators, C1 controls, and the tag characters (invisible
// ASCII look-alikes). Agent text that a person judges (a tool's input, an approval) shows each as
// an escape instead.
// The class lists combining and joining characters on purpose: each is matched alone.
/* eslint-disable no-misleading-character-class */
const HIDDEN =
  /[\u0080-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f\udd00-\uddef]/g
/* eslint-enable no-misleading-character-class */

const hex = (unit: number) => unit.toString(16).padStart(4, '0')
/** Each UTF-16 unit of `c` as JSON's `\uXXXX` (a tag character is a surrogate pair). */
const unitEscapes = (c: string) => Array.from({ length: c.length }, (_, i) => `\\u${hex(c.charCodeAt(i))}`).join('')

/** `value` as indented JSON with every hidden character as a `\uXXXX` escape: still JSON, and
 *  parsed back it is `value` exactly (the characters only ever occur inside strings). */
export function revealedJson(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? '').replace(HIDDEN, unitEscapes)
}

/** `text` with every hidden character shown as `⟨U+XXXX⟩`. */
export function revealed(text: string): string {
  return text.replace(HIDDEN, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`)
}
