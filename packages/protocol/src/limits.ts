// Resource limits of one session's sandbox, as a config asks for them. The server has defaults
// (SESSION_MEMORY_LIMIT, ...); a config may set its own, and raising one above the server's
// default is a privileged act (the server decides who may).
import { z } from 'zod'

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2 }
Object.assign(UNITS, { g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4 })

/**
 * A byte size as written by a person: a whole number of bytes, or a number with a unit
 * (`512MiB`, `2GiB`, `1.5G`, `100MB`; `K`, `M`, `G`, `T` are binary). Undefined when it is none.
 *
 * @example
 * parseByteSize('2GiB') // 2147483648
 * parseByteSize('2 gb') // 2000000000
 * parseByteSize('lots') // undefined
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || unit === undefined) return undefined
  const bytes = Math.floor(Number(match[1]) * unit)
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined
}

/** Bytes as a positive integer, or as a size string such as `512MiB`. */
export const ByteSizeSchema = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z.string().refine((text) => parseByteSize(text) !== undefined, 'a size such as 536870912, "512MiB" or "2GiB"'),
])
export type ByteSize = z.infer<typeof ByteSizeSchema>

/** Bytes of a ByteSize. */
export const byteSizeOf = (size: ByteSize): number => (typeof size === 'number' ? size : parseByteSize(size)!)

export const CPU_WEIGHT_MAX = 10_000

/** What a config asks for; each field absent keeps the server's default. */
export const SessionLimitsSchema = z.strictObject({
  /** Memory of every process of the session's sandbox together (agent, tools, `exec`). */
  memory: ByteSizeSchema.optional(),
  /** Processes (and threads) of the session's sandbox together. */
  pids: z.number().int().min(8).max(4_194_304).optional(),
  /** Its share of the CPU when the machine is busy, 1..10000 (cgroup v2 `cpu.weight`; 100 is an
   * ordinary process group's share). */
  cpuWeight: z.number().int().min(1).max(CPU_WEIGHT_MAX).optional(),
  /** Bytes the session's directory may hold; the files API refuses uploads beyond it. */
  workspace: ByteSizeSchema.optional(),
})
export type SessionLimitsConfig = z.infer<typeof SessionLimitsSchema>

/** The limits in force for a session, in plain units. */
export const ResolvedLimitsSchema = z.object({
  memoryBytes: z.number().int().positive(),
  pids: z.number().int().positive(),
  cpuWeight: z.number().int().positive(),
  workspaceBytes: z.number().int().positive(),
})
export type ResolvedLimits = z.infer<typeof ResolvedLimitsSchema>

/** A session's limits and how much of its directory it uses, as its info shows them. */
export const SessionUsageSchema = ResolvedLimitsSchema.extend({
  /** Bytes in the session's directory now (apparent sizes; symlinks are not followed). */
  workspaceUsedBytes: z.number().int().nonnegative(),
  /** How the memory, pids and CPU limits are enforced: `cgroup-v2`, `cgroup-v1`, or `rlimit`
   * (per process, no process count; see docs/limits.md), `none` without a sandbox. */
  enforcement: z.enum(['cgroup-v2', 'cgroup-v1', 'rlimit', 'none']),
})
export type SessionUsage = z.infer<typeof SessionUsageSchema>
