// Notices the server gives people, in the log and to clients, in one place.

/** In the start-up log and an `info` frame to every client of a session on the demo model. */
export const DEMO_NOTICE =
  'Offline demo mode: no model credential is configured, so answers come from the built-in ' +
  'scripted demo model, not Claude. Set ANTHROPIC_API_KEY (or another credential) and restart, ' +
  "or post anthropicApiKey in a session's config, to use Claude."

/** An `info` frame to every client that attaches to a session whose posted config held fields
 * the SDK does not know (e.g. the original README's `agents.myAgent.name`): they were dropped. */
export const droppedFieldsNotice = (fields: readonly string[]) =>
  `The config's ${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not known to the Claude Agent SDK and ${fields.length === 1 ? 'was' : 'were'} ignored.`
