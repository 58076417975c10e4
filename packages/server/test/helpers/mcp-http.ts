// A real MCP server over streamable HTTP on a loopback port, for config tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'

export async function startMcpHttpServer(): Promise<{ url: string; headersSeen: string[]; close(): Promise<void> }> {
  const headersSeen: string[] = []
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    headersSeen.push(String(req.headers['authorization'] ?? ''))
    // Stateless: a fresh server and transport per request.
    const mcp = new McpServer({ name: 'fixture-http', version: '1.0.0' })
    mcp.registerTool('remote_time', { description: 'Returns a fixed time' }, async () => ({
      content: [{ type: 'text', text: '12:00' }],
    }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => void transport.close())
    await mcp.connect(transport)
    await transport.handleRequest(req, res)
  }
  const http: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    headersSeen,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  }
}
