import { COMMENT_MAX, REASON_MAX } from '@app/shared/schemas/ballot'
import { describe, expect, it } from 'vitest'
import {
  buildBody,
  communeLabel,
  estimateMinutes,
  firstErrorTarget,
  formatDayVn,
  normalizeReceipt,
  orderQuestions,
  progress,
  serverErrors,
  toBodyAnswers,
  validate,
} from './form.ts'

const Q = [
  { key: 'overall', text: 'Nhìn chung', isOverall: true },
  { key: 'roads', text: 'Đường giao thông', isOverall: false },
  { key: 'water', text: 'Nước sạch', isOverall: false },
]

describe('orderQuestions', () => {
  it('puts the overall question last and keeps the rest in order', () => {
    expect(orderQuestions(Q).map((q) => q.key)).toEqual(['roads', 'water', 'overall'])
  })
})

describe('progress', () => {
  it('counts a question as done once a side is chosen, and a "not satisfied" only with a reason', () => {
    const answers = {
      roads: { satisfied: true, reason: '' },
      water: { satisfied: false, reason: '  ' },
      overall: { satisfied: null, reason: '' },
    }
    expect(progress(Q, answers)).toEqual({ done: 1, total: 3 })
    expect(progress(Q, { ...answers, water: { satisfied: false, reason: 'Nước đục' } })).toEqual({ done: 2, total: 3 })
  })
})

describe('estimateMinutes', () => {
  it('says about 3 minutes for the 9-question form and never less than 2', () => {
    expect(estimateMinutes(9)).toBe(3)
    expect(estimateMinutes(19)).toBe(7)
    expect(estimateMinutes(1)).toBe(2)
  })
})

describe('buildBody', () => {
  it('sends a trimmed reason only when not satisfied, the comment only when given, and the paradata', () => {
    const body = buildBody(
      Q,
      { roads: { satisfied: true, reason: 'left over' }, water: { satisfied: false, reason: ' Nước đục ' } },
      '   ',
      'client-id-123',
      42,
    )
    expect(body).toEqual({
      answers: { roads: { satisfied: true }, water: { satisfied: false, reason: 'Nước đục' } },
      clientId: 'client-id-123',
      paradata: { secondsToComplete: 42 },
    })
    expect(buildBody(Q, {}, ' Cảm ơn ', 'client-id-123', 0).comment).toBe('Cảm ơn')
  })

  it('leaves out unanswered questions', () => {
    expect(toBodyAnswers(Q, { roads: { satisfied: null, reason: '' } })).toEqual({})
  })
})

describe('validate', () => {
  const all = {
    roads: { satisfied: true as const },
    water: { satisfied: true as const },
    overall: { satisfied: true as const },
  }

  it('accepts a complete ballot', () => {
    expect(validate(Q, { answers: all })).toEqual({})
  })

  it('asks for every missing answer and every missing reason, in Vietnamese', () => {
    const errors = validate(Q, { answers: { roads: { satisfied: false } } })
    expect(errors).toEqual({
      'answers.roads.reason': 'Vui lòng ghi lý do chưa hài lòng.',
      'answers.water': 'Vui lòng chọn Hài lòng hoặc Không hài lòng.',
      'answers.overall': 'Vui lòng chọn Hài lòng hoặc Không hài lòng.',
    })
  })

  it('enforces the contract lengths', () => {
    const errors = validate(Q, {
      answers: { ...all, roads: { satisfied: false, reason: 'x'.repeat(REASON_MAX + 1) } },
      comment: 'y'.repeat(COMMENT_MAX + 1),
    })
    expect(Object.keys(errors).sort()).toEqual(['answers.roads.reason', 'comment'])
  })
})

describe('firstErrorTarget', () => {
  const ordered = orderQuestions(Q)
  it('points at the first question on screen, its reason box when that is what is missing', () => {
    expect(firstErrorTarget(ordered, { 'answers.overall': 'x', 'answers.water.reason': 'y' }, {})).toBe('q-water-reason')
    expect(firstErrorTarget(ordered, { 'answers.overall': 'x' }, {})).toBe('q-overall-yes')
    expect(firstErrorTarget(ordered, { comment: 'x' }, {})).toBe('comment')
    expect(firstErrorTarget(ordered, {}, {})).toBeNull()
    expect(firstErrorTarget(ordered, { form: 'x' }, {})).toBe('submit')
  })
})

describe('serverErrors', () => {
  it('keys server issues by path and keeps the first message per path', () => {
    expect(
      serverErrors([
        { path: 'answers.roads.reason', message: 'a' },
        { path: 'answers.roads.reason', message: 'b' },
        { path: '', message: 'c' },
      ]),
    ).toEqual({ 'answers.roads.reason': 'a', form: 'c' })
  })
})

describe('dates', () => {
  it('writes a day as Vietnamese people do', () => {
    expect(formatDayVn('2025-06-01')).toBe('01/06/2025')
  })
})

describe('communeLabel', () => {
  it('names the commune as residents say it', () => {
    expect(communeLabel('Biển Bạch')).toBe('Xã Biển Bạch')
    expect(communeLabel('Xã Tân Lộc')).toBe('Xã Tân Lộc')
    expect(communeLabel('Phường 1')).toBe('Phường 1')
  })
})

describe('normalizeReceipt', () => {
  it('accepts what people actually type', () => {
    expect(normalizeReceipt('k7q2-m9xd-3f0a')).toBe('K7Q2-M9XD-3F0A')
    expect(normalizeReceipt(' K7Q2 M9XD 3FOA ')).toBe('K7Q2-M9XD-3F0A')
    expect(normalizeReceipt('K7Q2M9XD3FLI')).toBe('K7Q2-M9XD-3F11')
  })
  it('rejects wrong lengths and letters outside Crockford base32', () => {
    expect(normalizeReceipt('K7Q2-M9XD')).toBeNull()
    expect(normalizeReceipt('K7Q2-M9XD-3F0U')).toBeNull()
  })
})

describe('answer words', () => {
  it('says "Có / Không" for a yes/no question and follows the favourable side', async () => {
    const { words } = await import('./form.js')
    expect(words({}, true)).toBe('Hài lòng')
    expect(words({}, false)).toBe('Không hài lòng')
    expect(words({ answerType: 'yes_no' }, true)).toBe('Có')
    expect(words({ answerType: 'yes_no', favourable: 'no' }, true)).toBe('Không')
  })
})
