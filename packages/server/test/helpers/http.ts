// Small fetch helpers for the JSON API.
export type Json = Record<string, any>

export async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} }
}

/** Resolves with the HTTP status of a refused WebSocket upgrade and its JSON body. */
export async function refusedUpgrade(url: string): Promise<{ status: number; body: Json }> {
  const { default: WebSocket } = await import('ws')
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.on('open', () => reject(new Error(`upgrade to ${url} was accepted`)))
    socket.on('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }))
    })
    socket.on('error', () => undefined)
  })
}
