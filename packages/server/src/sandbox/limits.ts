// A session's resource limits: the server's defaults, what a config asks for, and whether it
// asks for more than the defaults (which only an admin may: the caller decides who that is).
import { byteSizeOf, type QueryConfig, type ResolvedLimits } from '@claude-agent/protocol'

export type { ResolvedLimits }

/** The defaults that protect a shared machine; each one a server setting (SESSION_*). */
export const DEFAULT_LIMITS: ResolvedLimits = {
  memoryBytes: 2 * 1024 ** 3,
  pids: 512,
  cpuWeight: 100,
  workspaceBytes: 1024 ** 3,
}

/** The limits a session runs under: its config's, else the server's. */
export function resolveLimits(config: Pick<QueryConfig, 'limits'> | undefined, defaults: ResolvedLimits): ResolvedLimits {
  const asked = config?.limits
  if (!asked) return defaults
  return {
    memoryBytes: asked.memory === undefined ? defaults.memoryBytes : byteSizeOf(asked.memory),
    pids: asked.pids ?? defaults.pids,
    cpuWeight: asked.cpuWeight ?? defaults.cpuWeight,
    workspaceBytes: asked.workspace === undefined ? defaults.workspaceBytes : byteSizeOf(asked.workspace),
  }
}

/**
 * The limits a config raises above the server's defaults (empty: none). Raising is for admins;
 * lowering is anyone's.
 *
 * @example
 * raisedLimits({ limits: { memory: '8GiB', pids: 64 } }, DEFAULT_LIMITS) // ['memoryBytes']
 */
export function raisedLimits(config: Pick<QueryConfig, 'limits'> | undefined, defaults: ResolvedLimits): Array<keyof ResolvedLimits> {
  const resolved = resolveLimits(config, defaults)
  return (Object.keys(defaults) as Array<keyof ResolvedLimits>).filter((key) => resolved[key] > defaults[key])
}

/** Whether a config raises any limit above the server's defaults. */
export const raisesLimits = (config: Pick<QueryConfig, 'limits'> | undefined, defaults: ResolvedLimits): boolean =>
  raisedLimits(config, defaults).length > 0

/** e.g. `2 GiB`, `512 MiB`, `1000 bytes` */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % (size / 16) === 0) return `${bytes / size} ${unit}`
  }
  return `${bytes} bytes`
}
