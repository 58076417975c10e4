// The workspace: a tree (directories open on click), live from the watch socket; a viewer
// (highlighted text, images), download and upload. File names are shown as text, never HTML,
// with the characters that hide or reorder text as escapes (reveal.ts).
import type { FileEntry, Files } from '@claude-agent/client'
import { useEffect, useState } from 'preact/hooks'
import { describeError, problemText } from './api'
import { revealed } from './reveal'
import { CodeView } from './tool-cards'

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|ico)$/i
const MAX_VIEW_BYTES = 2 * 1024 * 1024

type Listing = Map<string, FileEntry[]>

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.')

function useListing(files: Files) {
  const [listing, setListing] = useState<Listing>(new Map())
  const [open, setOpen] = useState<Set<string>>(new Set(['.']))
  const [problem, setProblem] = useState<string>()
  const load = async (dir: string) => {
    try {
      const entries = await files.list(dir)
      entries.sort((a, b) =>
        (a.type === 'directory') === (b.type === 'directory') ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1,
      )
      setListing((old) => new Map(old).set(dir, entries))
    } catch (error) {
      setProblem(problemText(describeError(error)))
    }
  }
  useEffect(() => {
    void load('.')
    let stop: (() => void) | undefined
    let gone = false
    files
      .watchDir('.', (event) => void load(parentOf(event.path)), {
        recursive: true,
        onExit: (error) => setProblem(`Live updates stopped: ${problemText(describeError(error))}`),
      })
      .then(
        (handle) => (gone ? void handle.stop() : (stop = () => void handle.stop())),
        (error: unknown) => setProblem(`No live updates: ${problemText(describeError(error))}`),
      )
    return () => {
      gone = true
      stop?.()
    }
  }, [files])
  const toggle = (dir: string) => {
    const next = new Set(open)
    if (next.has(dir)) next.delete(dir)
    else {
      next.add(dir)
      void load(dir)
    }
    setOpen(next)
  }
  return { listing, open, toggle, problem, reload: () => load('.') }
}

function Tree(props: { dir: string; listing: Listing; open: Set<string>; toggle: (dir: string) => void; select: (e: FileEntry) => void }) {
  const entries = props.listing.get(props.dir) ?? []
  return (
    <ul role={props.dir === '.' ? 'tree' : 'group'} aria-label={props.dir === '.' ? 'workspace files' : undefined}>
      {entries.map((entry) => (
        <li key={entry.path} role="treeitem" aria-expanded={entry.type === 'directory' ? props.open.has(entry.path) : undefined}>
          {entry.type === 'directory' ? (
            <button type="button" class="tree-dir" onClick={() => props.toggle(entry.path)} aria-label={`folder ${revealed(entry.name)}`}>
              {props.open.has(entry.path) ? '▾' : '▸'} {revealed(entry.name)}/
            </button>
          ) : (
            <button type="button" class="tree-file" onClick={() => props.select(entry)} aria-label={`file ${revealed(entry.name)}`}>
              {revealed(entry.name)}
            </button>
          )}
          {entry.type === 'directory' && props.open.has(entry.path) && <Tree {...props} dir={entry.path} />}
        </li>
      ))}
    </ul>
  )
}

function Viewer({ files, entry }: { files: Files; entry: FileEntry }) {
  const [content, setContent] = useState<{ text?: string; image?: string; problem?: string }>({})
  useEffect(() => {
    let url: string | undefined
    setContent({})
    if (entry.size > MAX_VIEW_BYTES) return setContent({ problem: 'Too large to view: download it' })
    const read = IMAGE.test(entry.name)
      ? files.read(entry.path, 'blob').then((blob) => setContent({ image: (url = URL.createObjectURL(blob)) }))
      : files.read(entry.path, 'text').then((text) => setContent({ text }))
    read.catch((error: unknown) => setContent({ problem: problemText(describeError(error)) }))
    return () => url && URL.revokeObjectURL(url)
  }, [files, entry.path, entry.mtime])
  const download = async () => {
    const blob = await files.read(entry.path, 'blob')
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = entry.name
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }
  return (
    <section class="viewer" aria-label={`viewer: ${revealed(entry.path)}`}>
      <header>
        <code>{revealed(entry.path)}</code> <span>{entry.size} bytes</span>{' '}
        <button type="button" onClick={() => void download()}>
          Download
        </button>
      </header>
      {content.problem && <div role="alert">{content.problem}</div>}
      {content.image && <img src={content.image} alt={revealed(entry.name)} />}
      {content.text !== undefined && <CodeView path={entry.path} text={content.text} />}
    </section>
  )
}

export function FilesPanel({ files }: { files: Files }) {
  const { listing, open, toggle, problem, reload } = useListing(files)
  const [selected, setSelected] = useState<FileEntry>()
  const [note, setNote] = useState<string>()
  const upload = async (list: FileList | null) => {
    for (const file of Array.from(list ?? [])) {
      try {
        await files.write(file.name, file)
        setNote(`Uploaded ${file.name}`)
      } catch (error) {
        setNote(problemText(describeError(error)))
      }
    }
    await reload()
  }
  return (
    <div class="files">
      <div class="files-side">
        <label class="upload">
          Upload <input type="file" multiple aria-label="upload files" onChange={(e) => void upload(e.currentTarget.files)} />
        </label>
        {note && <div role="status">{note}</div>}
        {problem && <div role="alert">{problem}</div>}
        <Tree dir="." listing={listing} open={open} toggle={toggle} select={setSelected} />
      </div>
      {selected && <Viewer files={files} entry={selected} />}
    </div>
  )
}
