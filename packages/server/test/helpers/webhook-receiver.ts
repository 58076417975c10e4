// A webhook receiver on loopback (node:http), as a user would write one: it checks each
// delivery's signature with the exported verify function, answers as the test's plan says
// (an HTTP status, or no answer at all), and records what arrived.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhookSignature, type WebhookVerification } from '../../src/webhooks/signature.js'

export interface Arrival {
  path: string
  event: string
  delivery: string
  attempt: number
  body: string
  json: { type: string; sessionId: string; seq: number; at: string; data: Record<string, unknown> }
  check: WebhookVerification
  /** What the plan answered: a status, or 'hang'. */
  answer: number | 'hang'
}

/** How to answer a delivery's nth try (1-based). */
export type Plan = (arrival: Omit<Arrival, 'answer'>) => number | 'hang'

export interface Receiver {
  url: string
  arrivals: Arrival[]
  /** Requests left unanswered, still open. */
  hanging: ServerResponse[]
  plan: Plan
  /** Resolves with the first arrival that matches, waiting for it (60 s at most). */
  next(match: (a: Arrival) => boolean): Promise<Arrival>
  /** Answers every hanging request with this status. */
  release(status: number): void
  close(): Promise<void>
}

export async function startReceiver(secret: string, plan: Plan = () => 200): Promise<Receiver> {
  const waiters = new Set<() => void>()
  const receiver: Receiver = {
    url: '',
    arrivals: [],
    hanging: [],
    plan,
    async next(match) {
      const deadline = Date.now() + 60_000
      for (;;) {
        const found = receiver.arrivals.find(match)
        if (found) return found
        if (Date.now() > deadline)
          throw new Error(`no such arrival; got ${receiver.arrivals.map((a) => `${a.path} ${a.event} #${a.attempt}`).join(', ')}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000)
          waiters.add(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    release(status) {
      for (const res of receiver.hanging.splice(0)) if (!res.destroyed) res.writeHead(status).end()
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const header = (name: string) => String(req.headers[name] ?? '')
    const seen = {
      path: req.url ?? '',
      event: header('x-claude-agent-event'),
      delivery: header('x-claude-agent-delivery'),
      attempt: Number(header('x-claude-agent-attempt')),
      body,
      json: JSON.parse(body) as Arrival['json'],
      check: verifyWebhookSignature({ secret, body, signature: req.headers['x-claude-agent-signature'] as string | undefined }),
    }
    const answer = seen.check.valid ? receiver.plan(seen) : 400
    receiver.arrivals.push({ ...seen, answer })
    if (answer === 'hang') receiver.hanging.push(res)
    else res.writeHead(answer).end()
    for (const wake of [...waiters]) wake()
    waiters.clear()
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return receiver
}
