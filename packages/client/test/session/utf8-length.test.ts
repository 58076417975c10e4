// utf8Length against Node's own encoder, on text that holds every width of UTF-8 and the
// surrogate cases (pairs, lone highs and lows, a high at the end).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { utf8Length } from '../../src/session/utf8-length.js'

describe('utf8Length', () => {
  it('counts what Buffer.byteLength counts', () => {
    const samples = [
      '',
      'plain ascii',
      'é',
      'ü€',
      '日本語',
      '😀',
      'a😀b',
      '\ud800',
      '\udc00x',
      'x\ud83d',
      '\ud83d\ud83d\ude00',
      '\u007f\u0080\u07ff\u0800\uffff',
    ]
    for (const text of samples) assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'), JSON.stringify(text))
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let round = 0; round < 200; round++) {
      const text = String.fromCharCode(...Array.from({ length: 64 }, () => next() % 0x10000))
      assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'))
    }
  })
})
