// Strings that become a process's arguments, its environment or a path. The OS ends each at
// a NUL byte, so one inside would be cut off silently or make spawn throw: refused here.
import { z } from 'zod'

const NO_NUL = 'must not contain a NUL byte'

/** An argument, environment value or path: any string without a NUL byte. */
export const OsStringSchema = z.string().refine((s) => !s.includes('\0'), NO_NUL)

/** An environment variable's name: not empty, no `=` (it would end the name), no NUL. */
export const EnvNameSchema = z.string().regex(/^[^=\0]+$/, 'a non-empty name without "=" or a NUL byte')
