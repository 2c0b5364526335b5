import { describe, expect, it } from 'vitest'
import { Level, RoundStatus, VerdictEnum } from './schemas/round.js'
import {
  answerWordsVi,
  BALLOT_CHANNEL_VI,
  LEVEL_VI,
  ROUND_STATUS_VI,
  roundStatusVi,
  VERDICT_VI,
  verdictLabelVi,
  verdictSentenceVi,
} from './vocabulary.js'

describe('the one vocabulary', () => {
  it('has a Vietnamese label for every verdict, status and level code the API can return', () => {
    for (const v of VerdictEnum.options) {
      expect(verdictLabelVi(v)).not.toBe(v)
      expect(verdictSentenceVi(v).startsWith(VERDICT_VI[v].label)).toBe(true)
    }
    for (const s of RoundStatus.options) expect(roundStatusVi(s)).toBe(ROUND_STATUS_VI[s])
    for (const l of Object.keys(LEVEL_VI)) expect(Level.safeParse(l).success).toBe(true)
    for (const c of ['link', 'paper', 'meeting']) expect(BALLOT_CHANNEL_VI[c]).toBeTruthy()
  })
  it('reads a stored answer with the words of its question type and the favourable side', () => {
    expect(answerWordsVi({}, true)).toBe('Hài lòng')
    expect(answerWordsVi({}, false)).toBe('Không hài lòng')
    expect(answerWordsVi({ answerType: 'yes_no' }, true)).toBe('Có')
    expect(answerWordsVi({ answerType: 'yes_no', favourable: 'no' }, true)).toBe('Không')
    expect(answerWordsVi({ answerType: 'yes_no', favourable: 'no' }, false)).toBe('Có')
  })
})
