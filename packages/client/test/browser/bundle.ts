// Bundles the client's built entry the way a web app's bundler would (esbuild, `browser`
// conditions), for the bundle checks and the Chromium test.
import { fileURLToPath } from 'node:url'
import { build, type Metafile } from 'esbuild'

export const CLIENT_ENTRY = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

export interface Bundle {
  code: string
  /** Every module the bundle holds (paths relative to the working directory). */
  inputs: string[]
  /** Imports left outside the bundle (`node:` builtins when platform is node). */
  external: string[]
}

/** Bundles `entry` (or `contents` importing the client) for `platform`. */
export async function bundle(platform: 'browser' | 'node', contents?: string): Promise<Bundle> {
  const result = await build({
    ...(contents === undefined
      ? { entryPoints: [CLIENT_ENTRY] }
      : { stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' } }),
    bundle: true,
    platform,
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const meta: Metafile = result.metafile
  const output = Object.values(meta.outputs)[0]!
  return {
    code: result.outputFiles[0]!.text,
    inputs: Object.keys(meta.inputs),
    external: output.imports.filter((i) => i.external).map((i) => i.path),
  }
}
