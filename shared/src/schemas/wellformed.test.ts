import { describe, expect, it } from 'vitest'
import { SubmitBallotBody } from './ballot.js'
import { text } from './common.js'
import { isWellFormedText } from './wellformed.js'

describe('isWellFormedText', () => {
  it('refuses lone surrogates and control characters, keeps pairs, RTL marks, joiners, tabs and line breaks', () => {
    for (const bad of ['\udfff', 'a\ud800', '\ud800\ud800', '\udc00\ud800', 'x\u0000', '\u0007', '\u001b[31m', '\u007f'])
      expect(isWellFormedText(bad), JSON.stringify(bad)).toBe(false)
    for (const good of ['', 'Nguyễn', '😀', '\u200f\u202bשלום\u202c', '👨\u200d👩\u200d👧', 'a\tb\nc\r\n', 'Nguye\u0302\u0303n'])
      expect(isWellFormedText(good), JSON.stringify(good)).toBe(true)
  })

  it('agrees with the hand-written fallback old phone browsers use', () => {
    const proto = String.prototype as { isWellFormed?: unknown }
    const native = proto.isWellFormed
    const samples = ['\udfff', 'a\ud800b', '😀', '\ud83d\ude00\ud83d', 'ok', '\ude00\ud83d']
    const withNative = samples.map(isWellFormedText)
    proto.isWellFormed = undefined
    try {
      expect(samples.map(isWellFormedText)).toEqual(withNative)
    } finally {
      proto.isWellFormed = native
    }
  })
})

describe('text() and the resident schema', () => {
  it('normalise to NFC and name the field of ill-formed input', () => {
    expect(text().parse('Nguye\u0302\u0303n')).toBe('Nguyễn')
    expect(SubmitBallotBody.parse({ answers: { q9: { satisfied: false, reason: 'la\u0302\u0300y' } } }).answers.q9?.reason).toBe('lầy')
    const r = SubmitBallotBody.safeParse({ answers: {}, comment: 'x\udfff' })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual(['comment'])
  })
})
