// Reads the frames a server sent on a raw socket (server frames are never masked), for the
// fuzz tests that speak WebSocket byte by byte.
export interface RawFrame {
  opcode: number
  payload: Buffer
}

/** The complete frames in `bytes`; a trailing partial frame is ignored. */
export function serverFrames(bytes: Buffer): RawFrame[] {
  const frames: RawFrame[] = []
  let at = 0
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f
    let length = bytes[at + 1]! & 0x7f
    let header = 2
    if (length === 126) {
      if (at + 4 > bytes.length) break
      length = bytes.readUInt16BE(at + 2)
      header = 4
    } else if (length === 127) {
      if (at + 10 > bytes.length) break
      length = Number(bytes.readBigUInt64BE(at + 2))
      header = 10
    }
    if (at + header + length > bytes.length) break
    frames.push({ opcode, payload: bytes.subarray(at + header, at + header + length) })
    at += header + length
  }
  return frames
}

/** The code of the close frame among `frames`, if the server sent one with a code. */
export function closeCodeOf(frames: RawFrame[]): number | undefined {
  const close = frames.find((f) => f.opcode === 8)
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined
}
