// JSON Schemas generated from the zod schemas: the OpenAPI 3.1 document of the HTTP API (served
// at /openapi.json) and one schema per WebSocket frame. Nothing here is written by hand.
import { z } from 'zod'
import { CLIENT_FRAME_SCHEMAS, SERVER_FRAME_SCHEMAS } from './frames.js'
import { WATCH_FRAME_SCHEMAS } from './files.js'
import { HTTP_API, HTTP_ERROR_BODY, type HttpBody, type HttpOperation } from './http-api.js'
import { CLOSE_CODES } from './close-codes.js'

type JsonSchema = Record<string, unknown>

/** A zod schema as JSON Schema 2020-12 (what OpenAPI 3.1 uses), without its `$schema` line. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

const schemasOf = (schemas: Record<string, z.ZodType>) =>
  Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, jsonSchemaOf(schema)]))

/** A JSON Schema for every WebSocket frame, by direction and frame type. */
export function frameJsonSchemas(): {
  client: Record<string, JsonSchema>
  server: Record<string, JsonSchema>
  watch: Record<string, JsonSchema>
} {
  return { client: schemasOf(CLIENT_FRAME_SCHEMAS), server: schemasOf(SERVER_FRAME_SCHEMAS), watch: schemasOf(WATCH_FRAME_SCHEMAS) }
}

/** `/sessions/:id` -> `/sessions/{id}` */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}')

function content(body: HttpBody, io: 'input' | 'output'): JsonSchema {
  return { [body.contentType]: body.schema ? { schema: jsonSchemaOf(body.schema, io) } : {} }
}

function operation(op: HttpOperation): JsonSchema {
  const responses: JsonSchema = Object.fromEntries(
    Object.entries(op.responses).map(([status, body]) => [status, { description: body.description, content: content(body, 'output') }]),
  )
  responses['default'] = {
    description: "An error in the wire shape (`code` from the protocol's list)",
    content: content(HTTP_ERROR_BODY, 'output'),
  }
  return {
    summary: op.summary,
    ...(op.parameters && {
      parameters: op.parameters.map((p) => ({
        name: p.name,
        in: p.in,
        description: p.description,
        required: p.required ?? false,
        schema: jsonSchemaOf(p.schema, 'input'),
      })),
    }),
    ...(op.body && {
      requestBody: { required: true, ...(op.body.description && { description: op.body.description }), content: content(op.body, 'input') },
    }),
    responses,
  }
}

/** The WebSocket endpoints, which OpenAPI cannot describe: their frames, as JSON Schemas. */
const WEBSOCKETS = {
  '/ws': { summary: 'The default session (the original protocol)', frames: 'session' },
  '/sessions/{id}/ws': { summary: 'One session', frames: 'session' },
  '/files/watch': { summary: "Changes under a directory of the default session's workspace", frames: 'watch' },
  '/sessions/{id}/files/watch': { summary: "Changes under a directory of the session's workspace", frames: 'watch' },
}

export interface OpenApiInfo {
  version: string
}

/** The OpenAPI 3.1 document of the HTTP API. */
export function openApiDocument(info: OpenApiInfo = { version: '0.1.0' }): JsonSchema {
  const paths: Record<string, JsonSchema> = {}
  for (const op of HTTP_API) (paths[openApiPath(op.path)] ??= {})[op.method.toLowerCase()] = operation(op)
  return {
    openapi: '3.1.0',
    info: {
      title: 'claude-agent-server',
      version: info.version,
      description: 'Generated from the zod schemas of @claude-agent/protocol; see docs/protocol.md.',
    },
    security: [{ bearer: [] }, {}],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    'x-websockets': { endpoints: WEBSOCKETS, frames: frameJsonSchemas(), closeCodes: CLOSE_CODES },
  }
}
