// The UTF-8 size of a string without encoding it (the server's frame limit counts bytes; a
// copy of a 20 MB prompt just to measure it would be waste). A lone surrogate is 3 bytes, as
// its replacement character is when encoded.

export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4 // a surrogate pair: one code point
      i++
    } else bytes += 3
  }
  return bytes
}
