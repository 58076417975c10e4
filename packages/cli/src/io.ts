// The process's streams and environment, passed to every command so each says where it writes.
export interface Io {
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  env: NodeJS.ProcessEnv
  /** Writes `text` (and a newline) to stdout; returns exit code 0, for `--help`. */
  print(text: string): number
}

export function processIo(): Io {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    print(text) {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
      return 0
    },
  }
}
