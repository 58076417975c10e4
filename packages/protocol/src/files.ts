// Files and commands: the workspace's file API (HTTP), its change feed (WebSocket
// /files/watch) and a session's command runner (POST /sessions/:id/exec, NDJSON out).
// Paths on the wire are always relative to the workspace root, with `/` separators.
import { z } from 'zod'
import { ErrorFrameSchema } from './frames.js'
import { MODEL_ROUTE_VARS } from './credentials.js'
import { EnvNameSchema, OsStringSchema } from './os-string.js'

/** Names of the frames and lines this API sends, in one place. */
export const FILES_FRAME = {
  // WebSocket /files/watch, server -> client
  watching: 'watching',
  fileEvent: 'file_event',
  // NDJSON lines of POST /sessions/:id/exec
  stdout: 'stdout',
  stderr: 'stderr',
  exit: 'exit',
} as const

// ---- entries ----

/** What an entry is, seen without following a final symlink. `other`: a FIFO, socket or device. */
export const FILE_TYPES = ['file', 'directory', 'symlink', 'other'] as const
export const FileTypeSchema = z.enum(FILE_TYPES)
export type FileType = z.infer<typeof FileTypeSchema>

export const FileEntrySchema = z.object({
  /** The last path segment (`.` for the workspace root). */
  name: z.string(),
  /** Relative to the workspace root, `/`-separated, normalized (`.` for the root). */
  path: z.string(),
  type: FileTypeSchema,
  /** Bytes (for a directory or symlink: what the file system reports for the entry itself). */
  size: z.number().int().nonnegative(),
  /** Last modification, ISO 8601. */
  mtime: z.string(),
})
export type FileEntry = z.infer<typeof FileEntrySchema>

/** `GET /files`: a directory's entries, sorted by path; recursive listings are depth-first. */
export const ListFilesResponseSchema = z.object({
  path: z.string(),
  entries: z.array(FileEntrySchema),
  /** True when the listing stopped at the entry cap (100 000) and entries are missing. */
  truncated: z.boolean(),
})
export type ListFilesResponse = z.infer<typeof ListFilesResponseSchema>

/** `GET /files/stat`, and the answer to `PUT /files/content`. */
export const FileEntryResponseSchema = z.object({ entry: FileEntrySchema })
export type FileEntryResponse = z.infer<typeof FileEntryResponseSchema>

/** `POST /files/mkdir`: `created` is false when the directory already existed (`parents=1`). */
export const MakeDirResponseSchema = z.object({ entry: FileEntrySchema, created: z.boolean() })
export type MakeDirResponse = z.infer<typeof MakeDirResponseSchema>

/** `DELETE /files`: the normalized path that was removed. */
export const DeleteFileResponseSchema = z.object({ deleted: z.string() })
export type DeleteFileResponse = z.infer<typeof DeleteFileResponseSchema>

// ---- watch ----

/** `create`: a new entry; `modify`: a file's content or metadata changed, or it was replaced;
 * `remove`: gone. A move is a `remove` of the old path and a `create` of the new one. */
export const FILE_EVENTS = ['create', 'modify', 'remove'] as const
export const FileEventKindSchema = z.enum(FILE_EVENTS)
export type FileEventKind = z.infer<typeof FileEventKindSchema>

/** The first frame on a watch socket: the watcher is in place; changes from now on are reported. */
export const WatchingFrameSchema = z.object({
  type: z.literal(FILES_FRAME.watching),
  path: z.string(),
  recursive: z.boolean(),
})
export type WatchingFrame = z.infer<typeof WatchingFrameSchema>

export const FileEventFrameSchema = z.object({
  type: z.literal(FILES_FRAME.fileEvent),
  event: FileEventKindSchema,
  /** Relative to the workspace root. */
  path: z.string(),
  /** The entry's type; absent on `remove` (the entry is gone). */
  fileType: FileTypeSchema.optional(),
})
export type FileEventFrame = z.infer<typeof FileEventFrameSchema>

export const WatchFrameSchema = z.discriminatedUnion('type', [WatchingFrameSchema, FileEventFrameSchema, ErrorFrameSchema])
export type WatchFrame = z.infer<typeof WatchFrameSchema>
export const WATCH_FRAME_SCHEMAS = Object.fromEntries(WatchFrameSchema.options.map((o) => [o.shape.type.value, o])) as unknown as Record<
  WatchFrame['type'],
  z.ZodType<WatchFrame>
>

// ---- exec ----

const ExecEnvNameSchema = EnvNameSchema.refine(
  (name) => !(MODEL_ROUTE_VARS as readonly string[]).includes(name),
  "the model endpoint and credential variables are the server's own",
)

export const ExecRequestSchema = z.strictObject({
  /** The program (looked up in PATH), or with `shell: true` a bash command line. */
  command: OsStringSchema.min(1),
  /** Arguments, passed as is (no shell); with `shell: true` they become $1, $2, ... */
  args: z.array(OsStringSchema).optional(),
  /** Relative to the session's working directory, and inside it. @default the session's cwd */
  cwd: OsStringSchema.min(1).optional(),
  /** Added to the minimal environment (PATH, HOME, TMPDIR, LANG). No NUL byte anywhere, no
   * `=` in a name, and not the model's endpoint or credential (MODEL_ROUTE_VARS): the sandbox
   * would forward to that endpoint from the host, past its network allow-list. */
  env: z.record(ExecEnvNameSchema, OsStringSchema).optional(),
  /** Kill the command's process group after this long. @default 600000 (10 minutes) */
  timeoutMs: z.number().int().positive().max(2_147_483_647).optional(),
  /** Written to the command's standard input, which is then closed. @default stdin is empty */
  stdin: z.string().optional(),
  /** Run `command` with `/bin/bash -c`. @default false */
  shell: z.boolean().optional(),
  /** How output bytes are put into `data`: `utf8` (invalid bytes become U+FFFD) or `base64`
   * (exact bytes). @default 'utf8' */
  encoding: z.enum(['utf8', 'base64']).optional(),
})
export type ExecRequest = z.infer<typeof ExecRequestSchema>

export const ExecOutputLineSchema = z.object({
  type: z.enum([FILES_FRAME.stdout, FILES_FRAME.stderr]),
  /** A chunk as the process wrote it, in the request's `encoding`. */
  data: z.string(),
})
export const ExecExitLineSchema = z.object({
  type: z.literal(FILES_FRAME.exit),
  /** The exit code, or null when a signal ended the process. */
  code: z.number().int().nullable(),
  /** The signal that ended it (e.g. `SIGKILL`), or null. */
  signal: z.string().nullable(),
  /** True when the server killed it because `timeoutMs` passed. */
  timedOut: z.boolean(),
})
/** One line of the NDJSON answer to `POST /sessions/:id/exec`; the last one is `exit`. */
export const ExecLineSchema = z.union([ExecOutputLineSchema, ExecExitLineSchema])
export type ExecOutputLine = z.infer<typeof ExecOutputLineSchema>
export type ExecExitLine = z.infer<typeof ExecExitLineSchema>
export type ExecLine = z.infer<typeof ExecLineSchema>
