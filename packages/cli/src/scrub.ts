// Errors may quote a URL or a request: the token from the environment never reaches the screen.
export function scrubbed(text: string, env: NodeJS.ProcessEnv): string {
  let out = text
  for (const key of ['CLAUDE_AGENT_TOKEN', 'E2B_API_KEY', 'ANTHROPIC_API_KEY']) {
    const secret = env[key]?.trim() // as connect.ts uses it
    if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]')
  }
  return out
}

// Agent output, file names and server messages are untrusted: printed raw, an escape sequence
// could set the title, write the clipboard (OSC 52), clear the screen, or erase what an approval
// shows and print something harmless over it. So escape sequences go (CSI; OSC, DCS, SOS, PM
// and APC up to their terminator or the end of the text; the two-character ones), carriage
// returns go, and every other control character but tab and newline, the C1 controls (8-bit
// CSI, OSC, ...) and the bidi overrides and isolates show as U+FFFD. A sequence split across
// two streamed chunks is harmless: no ESC or C1 character ever gets through.
const SEQUENCES = /\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|[\]PX^_][\s\S]*?(?:\x07|\x1b\\|\x9c|$)|[\x20-\x2f]*[\x30-\x7e]?)/g
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

/** `text` with nothing a terminal would act on: safe to write to a screen, then style. */
export function printable(text: string): string {
  return text.replace(SEQUENCES, '').replace(/\r/g, '').replace(CONTROLS, '\ufffd')
}
