// The original README's client example (@dzhng/claude-agent), with two changes for a test: it
// connects to SERVER_URL (the README's local-server variant, `connectionUrl`) instead of making an
// E2B sandbox, and it waits for the turn's result before stop() so there is an answer to see.
// The fresh-project test type-checks it against the installed package, runs it in Node, and
// bundles it for Chromium (the bundler substitutes process.env.*, as web bundlers do).
import { ClaudeAgentClient } from '@claude-agent/client'

const client = new ClaudeAgentClient({
  connectionUrl: process.env.SERVER_URL,
  anthropicApiKey: process.env.ANTHROPIC_API_KEY,
  debug: true,
})

// Start the client (connects to the server)
await client.start()

// Listen for messages from Claude
client.onMessage((message) => {
  if (message.type === 'sdk_message') {
    console.log('Claude:', message.data)
  }
})
const answered = new Promise<void>((resolve) =>
  client.onMessage((message) => {
    if (message.type === 'sdk_message' && message.data.type === 'result') resolve()
  }),
)

// Send a message to Claude
client.send({
  type: 'user_message',
  data: {
    type: 'user',
    session_id: 'my-session',
    message: {
      role: 'user',
      content: 'Hello, Claude!',
    },
  },
})

await answered
// Clean up when done
await client.stop()
console.log('example finished')
