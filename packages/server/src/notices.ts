// Notices the server gives in words: in a log line at start, and to each client that connects.

export const DEMO_NOTICE =
  'Offline demo mode: no model credential is configured, so answers come from the built-in ' +
  'scripted demo model, not Claude. Set ANTHROPIC_API_KEY (or another credential) and restart, ' +
  'or post anthropicApiKey in a session\'s config, to use Claude.'
