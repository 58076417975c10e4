// Notices the server gives people, in the log and to clients, in one place.

/** In the start-up log and an `info` frame to every client of a session on the demo model. */
export const DEMO_NOTICE =
  'Offline demo mode: no model credential is configured, so answers come from the built-in ' +
  'scripted demo model, not Claude. Set ANTHROPIC_API_KEY (or another credential) and restart, ' +
  "or post anthropicApiKey in a session's config, to use Claude."
