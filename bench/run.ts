// `npm run bench [-- <measure>...] [--quick] [--out <file>]`: runs the measurements against the
// scripted model (so only our code is measured), prints the table, and writes the figures as
// JSON (bench/results/latest.json for a full run) with the machine they were measured on.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { cleanupAll } from './lib/cleanup.js'
import { now } from './lib/clock.js'
import { unavailable, type Figure } from './lib/figure.js'
import { load, machineInfo } from './lib/machine.js'
import type { BenchContext, Measure } from './lib/measure.js'
import { footnotes, markdownTable, textTable } from './lib/report.js'
import { REPO } from './lib/repo.js'
import { cluster } from './measures/cluster.js'
import { coldStart } from './measures/cold-start.js'
import { concurrency } from './measures/concurrency.js'
import { fanOut } from './measures/fan-out.js'
import { memory } from './measures/memory.js'
import { replay } from './measures/replay.js'
import { streaming } from './measures/streaming.js'
import { turnOverhead } from './measures/turn-overhead.js'

const MEASURES: readonly Measure[] = [turnOverhead, streaming, coldStart, memory, replay, fanOut, concurrency, cluster]

interface Args {
  selected: Measure[]
  quick: boolean
  out: string
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false
  let out: string | undefined
  const names: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--quick') quick = true
    else if (arg === '--out') out = argv[++i]
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: npm run bench -- [${MEASURES.map((m) => m.name).join('|')}]... [--quick] [--out file.json]`)
      process.exit(0)
    } else if (arg.startsWith('-')) throw new Error(`unknown flag ${arg}`)
    else names.push(arg)
  }
  const unknown = names.filter((n) => !MEASURES.some((m) => m.name === n))
  if (unknown.length > 0) throw new Error(`unknown measure(s) ${unknown.join(', ')}; choose from ${MEASURES.map((m) => m.name).join(', ')}`)
  const selected = names.length === 0 ? [...MEASURES] : MEASURES.filter((m) => names.includes(m.name))
  // Only a full run replaces the committed figures; anything else goes to a scratch file.
  const full = !quick && selected.length === MEASURES.length
  const file = out ?? join(REPO, 'bench', 'results', full ? 'latest.json' : 'local.json')
  return { selected, quick, out: file }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const machine = machineInfo()
  const loadAtStart = load()
  if (loadAtStart[0]! > machine.cores) {
    console.error(`note: load average ${loadAtStart[0]} on ${machine.cores} cores: other work will skew the figures`)
  }
  const started = now()
  const figures: Figure[] = []
  let failed = false
  for (const measure of args.selected) {
    const t0 = now()
    const ctx: BenchContext = {
      quick: args.quick,
      reps: (full, quick) => (args.quick ? quick : full),
      log: (message) => console.error(`[${measure.name}] ${message}`),
    }
    ctx.log(`${measure.title}...`)
    try {
      figures.push(...(await measure.run(ctx)))
    } catch (err) {
      failed = true
      const reason = `the measurement failed: ${err instanceof Error ? err.message : String(err)}`
      ctx.log(err instanceof Error ? (err.stack ?? reason) : reason)
      figures.push({
        id: `${measure.name}.failed`,
        measure: measure.title,
        name: measure.title,
        figure: unavailable('ms', 'failed', reason),
      })
    } finally {
      await cleanupAll()
    }
    ctx.log(`done in ${((now() - t0) / 1000).toFixed(1)} s`)
  }
  const durationS = Math.round((now() - started) / 100) / 10
  const loadAtEnd = load()

  const notes = footnotes(figures)
  console.log(`\n${textTable(figures)}\n`)
  for (const n of notes) console.log(`- ${n}`)
  const where = `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, SDK ${machine.sdk}, ${machine.commit.slice(0, 10)}${machine.dirty ? ' (dirty)' : ''}`
  const busy = `load average ${loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end`
  console.log(`\n${where}; ${busy}; ${durationS} s`)

  const report = {
    generatedAt: new Date().toISOString(),
    quick: args.quick,
    measures: args.selected.map((m) => m.name),
    durationS,
    machine,
    load: { start: loadAtStart, end: loadAtEnd },
    figures,
  }
  mkdirSync(dirname(args.out), { recursive: true })
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`)
  const md = args.out.replace(/\.json$/, '') + '.md'
  writeFileSync(md, `${markdownTable(figures)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\n${where}; ${busy}; ${durationS} s\n`)
  console.log(`wrote ${relative(process.cwd(), args.out)} and ${relative(process.cwd(), md)}`)
  if (failed) process.exitCode = 1
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and CLIs the bench started`)
    void cleanupAll().finally(() => process.exit(130))
  })
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  await cleanupAll()
  process.exit(1)
})
