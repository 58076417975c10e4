// File change events in the original client's terms (E2B's `FilesystemEventType`), mapped from
// the server's `file_event` frames: create -> CREATE, modify -> WRITE, remove -> REMOVE.
import type { FileEventFrame, FileType } from '@claude-agent/protocol'

/**
 * The kinds of change, with E2B's values. The server reports `CREATE`, `WRITE` (content or
 * metadata changed, or replaced by a rename over it) and `REMOVE`; a move is a `REMOVE` of the
 * old path and a `CREATE` of the new one, so `RENAME` and `CHMOD` never occur (kept for
 * compatibility with code written for the original).
 */
export const FilesystemEventType = {
  CHMOD: 'chmod',
  CREATE: 'create',
  REMOVE: 'remove',
  RENAME: 'rename',
  WRITE: 'write',
} as const
export type FilesystemEventType = (typeof FilesystemEventType)[keyof typeof FilesystemEventType]

export interface FilesystemEvent {
  type: FilesystemEventType
  /** Relative to the watched directory (as E2B's `name`), e.g. `sub/new.ts`. */
  name: string
  /** Relative to the workspace root, e.g. `src/sub/new.ts`. */
  path: string
  /** The entry's type; absent for `REMOVE`. */
  fileType?: FileType
}

const KIND: Record<FileEventFrame['event'], FilesystemEventType> = {
  create: FilesystemEventType.CREATE,
  modify: FilesystemEventType.WRITE,
  remove: FilesystemEventType.REMOVE,
}

/** The event for a `file_event` frame under the watched directory `root` (`.` for the workspace). */
export function toFilesystemEvent(frame: FileEventFrame, root: string): FilesystemEvent {
  const name = root === '.' ? frame.path : frame.path === root ? '.' : frame.path.slice(root.length + 1)
  return { type: KIND[frame.event], name, path: frame.path, ...(frame.fileType && { fileType: frame.fileType }) }
}
