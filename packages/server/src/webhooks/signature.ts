// Signing a delivery and checking one. The signature is an HMAC-SHA256, keyed with the hook's
// secret, of `${timestamp}.${body}`: a receiver that checks it and refuses old timestamps
// refuses forgeries and replays. Only node:crypto here, so receivers can import it alone
// (`@claude-agent/server/webhooks`).
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-claude-agent-signature'
export const EVENT_HEADER = 'x-claude-agent-event'
export const DELIVERY_HEADER = 'x-claude-agent-delivery'
export const ATTEMPT_HEADER = 'x-claude-agent-attempt'

const hmac = (secret: string, timestamp: number, body: string | Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')

/** The signature header's value: `t=<unix seconds>,v1=<hex HMAC>`. */
export function signWebhook(secret: string, body: string, timestamp: number = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`
}

export type WebhookVerification = { valid: true; timestamp: number } | { valid: false; reason: 'malformed' | 'stale' | 'mismatch' }

export interface VerifyOptions {
  secret: string
  /** The raw body as received (before any JSON parse). */
  body: string | Buffer
  /** The `X-Claude-Agent-Signature` header. */
  signature: string | undefined
  /** How old (or how far ahead) a timestamp may be. @default 300 */
  toleranceSeconds?: number
  /** @default Date.now() */
  now?: number
}

/**
 * @example
 * const check = verifyWebhookSignature({ secret, body: rawBody, signature: req.headers['x-claude-agent-signature'] })
 * if (!check.valid) return res.writeHead(400).end(check.reason)
 */
export function verifyWebhookSignature(options: VerifyOptions): WebhookVerification {
  const parts = (options.signature ?? '').split(',').map((part) => part.trim().split('='))
  const t = parts.find(([key]) => key === 't')?.[1]
  const signatures = parts.filter(([key, value]) => key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)).map(([, value]) => value!)
  if (t === undefined || !/^\d{1,12}$/.test(t) || signatures.length === 0) return { valid: false, reason: 'malformed' }
  const timestamp = Number(t)
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { valid: false, reason: 'stale' }
  const expected = Buffer.from(hmac(options.secret, timestamp, options.body), 'hex')
  // Any of several v1 values may match: room for a rotation in which both secrets sign.
  const matches = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' }
}
