// The HTTP API as data: every route, its parameters, its request body and its answers, each
// given by a schema of this package. The OpenAPI document (openapi.ts) is generated from it,
// and the server's routes are checked against it.
import { z } from 'zod'
import { QueryConfigSchema } from './config.js'
import { WireErrorSchema } from './errors.js'
import {
  DeleteFileResponseSchema,
  ExecLineSchema,
  ExecRequestSchema,
  FileEntryResponseSchema,
  ListFilesResponseSchema,
  MakeDirResponseSchema,
} from './files.js'
import {
  CreateSessionResponseSchema,
  DEFAULT_PAGE,
  DeleteSessionResponseSchema,
  GetConfigResponseSchema,
  GetSessionResponseSchema,
  HealthResponseSchema,
  ListSessionsResponseSchema,
  MAX_PAGE,
  PermissionEventsResponseSchema,
  PostConfigResponseSchema,
  SessionEventsResponseSchema,
} from './http.js'
import { CreateSessionRequestSchema } from './sessions.js'
import { ListWebhooksResponseSchema } from './webhooks.js'

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** A body: JSON described by a schema, or bytes (`schema` absent). */
export interface HttpBody {
  contentType: string
  schema?: z.ZodType
  description?: string
}

export interface HttpParameter {
  name: string
  in: 'path' | 'query'
  description: string
  required?: boolean
  schema: z.ZodType
}

export interface HttpOperation {
  method: HttpMethod
  /** With `:name` segments, as the server routes it: `/sessions/:id`. */
  path: string
  summary: string
  parameters?: HttpParameter[]
  body?: HttpBody
  /** The success answers by status; every operation also answers errors in the wire shape. */
  responses: Record<number, HttpBody & { description: string }>
}

const JSON_TYPE = 'application/json'
const json = (schema: z.ZodType, description = 'OK') => ({ contentType: JSON_TYPE, schema, description })
const sessionId: HttpParameter = { name: 'id', in: 'path', required: true, description: 'The session id', schema: z.string() }
const workspacePath = (required: boolean): HttpParameter => ({
  name: 'path',
  in: 'query',
  required,
  description: required ? 'A path relative to the workspace root' : 'A path relative to the workspace root (default: the root)',
  schema: z.string(),
})
const flag = (name: string, description: string): HttpParameter => ({
  name,
  in: 'query',
  description,
  schema: z.enum(['1', 'true', '0', 'false']),
})
const page: HttpParameter[] = [
  { name: 'after', in: 'query', description: 'Events with a sequence number above this (0 to lastSeq)', schema: z.string().regex(/^\d+$/) },
  {
    name: 'limit',
    in: 'query',
    description: `At most this many events (1 to ${MAX_PAGE}, default ${DEFAULT_PAGE})`,
    schema: z.string().regex(/^\d+$/),
  },
]

export const HTTP_API: readonly HttpOperation[] = [
  {
    method: 'GET',
    path: '/health',
    summary: 'Liveness, and whether the offline demo model answers',
    responses: { 200: json(HealthResponseSchema) },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    responses: { 200: { contentType: JSON_TYPE, description: 'OpenAPI 3.1' } },
  },
  {
    method: 'POST',
    path: '/config',
    summary: "Replace the default session's query config (the original protocol)",
    body: json(QueryConfigSchema),
    responses: { 200: json(PostConfigResponseSchema) },
  },
  {
    method: 'GET',
    path: '/config',
    summary: "The default session's config and running agent",
    responses: { 200: json(GetConfigResponseSchema) },
  },
  {
    method: 'POST',
    path: '/sessions',
    summary: 'Create a session',
    body: json(CreateSessionRequestSchema),
    responses: { 201: json(CreateSessionResponseSchema, 'Created') },
  },
  { method: 'GET', path: '/sessions', summary: 'List sessions', responses: { 200: json(ListSessionsResponseSchema) } },
  {
    method: 'GET',
    path: '/sessions/:id',
    summary: 'A session and its running agent',
    parameters: [sessionId],
    responses: { 200: json(GetSessionResponseSchema) },
  },
  {
    method: 'DELETE',
    path: '/sessions/:id',
    summary: 'Delete a session',
    parameters: [sessionId],
    responses: { 200: json(DeleteSessionResponseSchema) },
  },
  {
    method: 'GET',
    path: '/sessions/:id/events',
    summary: "A page of the session's event history",
    parameters: [sessionId, ...page],
    responses: { 200: json(SessionEventsResponseSchema) },
  },
  {
    method: 'GET',
    path: '/sessions/:id/permissions',
    summary: 'The approval audit trail',
    parameters: [sessionId, ...page],
    responses: { 200: json(PermissionEventsResponseSchema) },
  },
  {
    method: 'POST',
    path: '/sessions/:id/exec',
    summary: "Run a command in the session's sandbox; output streams as NDJSON lines",
    parameters: [sessionId],
    body: json(ExecRequestSchema),
    responses: {
      200: { contentType: 'application/x-ndjson', schema: ExecLineSchema, description: 'One ExecLine per line; the last is `exit`' },
    },
  },
  {
    method: 'GET',
    path: '/files',
    summary: 'List a directory',
    parameters: [workspacePath(false), flag('recursive', 'List the whole tree')],
    responses: { 200: json(ListFilesResponseSchema) },
  },
  {
    method: 'GET',
    path: '/files/stat',
    summary: 'One entry',
    parameters: [workspacePath(false)],
    responses: { 200: json(FileEntryResponseSchema) },
  },
  {
    method: 'GET',
    path: '/files/content',
    summary: "A file's bytes",
    parameters: [workspacePath(true)],
    responses: { 200: { contentType: 'application/octet-stream', description: 'The file' } },
  },
  {
    method: 'PUT',
    path: '/files/content',
    summary: 'Write a file (atomically), creating parent directories',
    parameters: [workspacePath(true)],
    body: { contentType: 'application/octet-stream', description: 'The new content' },
    responses: { 200: json(FileEntryResponseSchema, 'Replaced'), 201: json(FileEntryResponseSchema, 'Created') },
  },
  {
    method: 'POST',
    path: '/files/mkdir',
    summary: 'Make a directory',
    parameters: [workspacePath(true), flag('parents', 'Make missing parents; an existing directory is no error')],
    responses: { 200: json(MakeDirResponseSchema, 'It existed'), 201: json(MakeDirResponseSchema, 'Created') },
  },
  {
    method: 'DELETE',
    path: '/files',
    summary: 'Delete a file, a link or a directory',
    parameters: [workspacePath(true), flag('recursive', 'Delete a directory with its contents')],
    responses: { 200: json(DeleteFileResponseSchema) },
  },
  {
    method: 'GET',
    path: '/webhooks',
    summary: 'The configured webhooks (without secrets) and their newest deliveries',
    parameters: [{ ...page[1]!, description: `At most this many deliveries (1 to ${MAX_PAGE}, default ${DEFAULT_PAGE})` }],
    responses: { 200: json(ListWebhooksResponseSchema) },
  },
]

/** The body of every error answer. */
export const HTTP_ERROR_BODY: HttpBody = json(WireErrorSchema)
