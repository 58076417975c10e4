// What the figures were measured on: they mean little without it.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, release } from 'node:os'
import { join } from 'node:path'
import { REPO } from './repo.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGb: number
  os: string
  node: string
  sdk: string
  commit: string
  /** Uncommitted changes under packages/ or bench/ (results aside). */
  dirty: boolean
}

/** How busy the machine was: load averages (1, 5, 15 min). Other work on it skews figures. */
export function load(): number[] {
  return loadavg().map((v) => Math.round(v * 100) / 100)
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

export function machineInfo(): Machine {
  const sdkPackage = join(REPO, 'node_modules', '@anthropic-ai', 'claude-agent-sdk', 'package.json')
  const sdk = (JSON.parse(readFileSync(sdkPackage, 'utf8')) as { version: string }).version
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
    sdk,
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'packages', 'bench', ':!bench/results') !== '',
  }
}
