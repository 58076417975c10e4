// Starts bare-relay.ts as a child process and hands back its WebSocket base URL.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { within } from './clock.js'
import { REPO } from './repo.js'

export interface BareRelay {
  /** e.g. `ws://127.0.0.1:40000` */
  readonly url: string
  stop(): Promise<void>
}

/** @param blastFile a JSONL file whose lines /blast sends to each client. */
export async function startBareRelay(blastFile?: string): Promise<BareRelay> {
  const script = join(REPO, 'bench', 'lib', 'bare-relay.ts')
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...(blastFile ? [blastFile] : [])], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await within(
    'the bare relay to listen',
    new Promise<number>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        const match = /listening (\d+)/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      void exited.then(() => reject(new Error(`the bare relay exited: ${out}`)))
    }),
    30_000,
  )
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
