// File content in and out, without holding more than needed: what writeFile() accepts becomes
// a fetch body (streams stay streams), and a response body is read as text, bytes or a Blob.
import { ClaudeAgentClientError } from '../errors.js'

/** What writeFile() takes: text (UTF-8), bytes, a Blob, a web stream, or any async iterable of chunks (e.g. a Node `Readable`). */
export type FileData = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>

/** A fetch body, and the error its source failed with, if it did. */
export interface UploadBody {
  body: RequestInit['body']
  /** Set once a streamed source failed: fetch then fails as if the server could not be
   * reached, and this says it was the data instead. */
  readonly sourceError?: { error: unknown }
}

/** A fetch body for `data`; streams and async iterables become a web stream (sent chunked). */
export function toBody(data: FileData): UploadBody {
  if (typeof data === 'string' || data instanceof Uint8Array || data instanceof ArrayBuffer || data instanceof Blob) {
    return { body: data as RequestInit['body'] }
  }
  if (data !== null && typeof data === 'object') {
    if (typeof (data as ReadableStream).getReader === 'function') return watchedStream(webStreamChunks(data as ReadableStream<Uint8Array>))
    if (Symbol.asyncIterator in data) return watchedStream(data)
  }
  throw new ClaudeAgentClientError(
    'INVALID_ARGUMENT',
    'writeFile() takes a string, Uint8Array, ArrayBuffer, Blob, ReadableStream or async iterable',
  )
}

async function* webStreamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  let ended = false
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return void (ended = true)
      yield value
    }
  } catch (error) {
    ended = true // the stream errored: nothing left to cancel
    throw error
  } finally {
    // Stopped early (the upload failed or was aborted): the caller's stream is told, as fetch would.
    if (!ended) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

/** The chunks as a web stream that notes whether its source failed (see UploadBody). */
function watchedStream(iterable: AsyncIterable<Uint8Array | string>): UploadBody {
  const iterator = iterable[Symbol.asyncIterator]()
  const encoder = new TextEncoder()
  const upload: { body: ReadableStream<Uint8Array>; sourceError?: { error: unknown } } = {
    body: new ReadableStream<Uint8Array>({
      async pull(controller) {
        let next: IteratorResult<Uint8Array | string>
        try {
          next = await iterator.next()
        } catch (error) {
          upload.sourceError = { error }
          throw error
        }
        if (next.done) return controller.close()
        const chunk: unknown = next.value
        if (typeof chunk === 'string') return controller.enqueue(encoder.encode(chunk))
        if (chunk instanceof Uint8Array) return controller.enqueue(chunk)
        if (chunk instanceof ArrayBuffer) return controller.enqueue(new Uint8Array(chunk))
        // An object-mode stream, say: its chunk is no data the server could write.
        const error = new TypeError(`a chunk is ${chunk === null ? 'null' : typeof chunk}, not a string or bytes`)
        upload.sourceError = { error }
        void Promise.resolve(iterator.return?.()).catch(() => {})
        throw error
      },
      async cancel(reason) {
        await Promise.resolve(iterator.return?.(reason)).catch(() => {})
      },
    }),
  }
  return upload
}

/** Every chunk of a response body, then a check that none is missing. */
async function* chunks(response: Response, what: string): AsyncGenerator<Uint8Array> {
  const expected = Number(response.headers.get('content-length') ?? NaN)
  let received = 0
  const reader = response.body?.getReader()
  if (!reader) return
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      received += value.byteLength
      yield value
    }
  } catch (error) {
    throw incomplete(what, `the answer broke off after ${received} bytes`, error)
  } finally {
    reader.releaseLock()
  }
  if (Number.isFinite(expected) && received !== expected) throw incomplete(what, `got ${received} of ${expected} bytes`)
}

/** The body as UTF-8 text, decoded as it streams in (characters split across chunks are kept whole). */
export async function readText(response: Response, what: string): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of chunks(response, what)) text += decoder.decode(chunk, { stream: true })
  return text + decoder.decode()
}

/** The body's exact bytes. */
export async function readBytes(response: Response, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks(response, what)) {
    parts.push(chunk)
    length += chunk.byteLength
  }
  if (parts.length === 1) return parts[0]!
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.byteLength
  }
  return bytes
}

function incomplete(what: string, why: string, cause?: unknown): ClaudeAgentClientError {
  return new ClaudeAgentClientError('RESPONSE_INCOMPLETE', `${what}: ${why}`, cause === undefined ? {} : { cause })
}
