// GET /webhooks: the hooks the server is configured with (never their secrets) and their
// newest deliveries, each with every attempt. See docs/webhooks.md.
import { z } from 'zod'

export const WebhookHookSchema = z.object({ id: z.string(), url: z.string(), events: z.array(z.string()) })

export const WebhookAttemptSchema = z.object({
  attempt: z.number().int().positive(),
  at: z.string(),
  /** The receiver's HTTP status; null when it gave none (refused, timed out). */
  statusCode: z.number().int().nullable(),
  /** Why the try did not count; null when it delivered. */
  error: z.string().nullable(),
  /** When the next try is due; null when none follows. */
  retryAt: z.string().nullable(),
})

export const WebhookDeliverySchema = z.object({
  id: z.string(),
  hook: z.string(),
  event: z.string(),
  sessionId: z.string(),
  seq: z.number().int(),
  status: z.enum(['pending', 'delivered', 'failed']),
  createdAt: z.string(),
  attempts: z.number().int().nonnegative(),
  nextAt: z.string().nullable(),
  lastError: z.string().nullable(),
  attemptLog: z.array(WebhookAttemptSchema),
})

export const ListWebhooksResponseSchema = z.object({
  hooks: z.array(WebhookHookSchema),
  /** The newest first. */
  deliveries: z.array(WebhookDeliverySchema),
})

export type WebhookHookInfo = z.infer<typeof WebhookHookSchema>
export type WebhookDeliveryInfo = z.infer<typeof WebhookDeliverySchema>
export type ListWebhooksResponse = z.infer<typeof ListWebhooksResponseSchema>
