import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { privacyKeys } from '../../lib/privacy.js'
import type { RoundRow } from '../rounds/repo.js'
import {
  type BallotInput,
  chosenToLand,
  clientKeyOf,
  landingBatch,
  openBatch,
  openPending,
  pendingKey,
  replayOrRefuse,
  sealedPending,
} from './ballot-rows.js'
import type { PendingRow } from './repo.js'

const keys = privacyKeys('ballot-rows-test-secret-ballot-rows-test-secret')
const round = { id: 'r1', questionnaireSnapshot: null } as unknown as RoundRow

function input(over: Partial<BallotInput> = {}): BallotInput {
  return {
    round,
    questions: [],
    householdId: 'hh-42',
    villageId: 'v1',
    channel: 'link',
    answers: { q1: { satisfied: false, reason: 'Đường ngập khi mưa lớn' }, overall: { satisfied: true } },
    comment: 'Cần thêm đèn đường ở tổ 3',
    clientKey: clientKeyOf(keys, 'token-hash', 'device-1'),
    contentHash: 'content-hash',
    secondsToComplete: 83,
    fingerprint: 'fp',
    enteredBy: null,
    ...over,
  }
}

describe('the pending row of an accepted ballot (what a database holder sees before it lands)', () => {
  it('holds neither the receipt, the client key, the household nor any answer in clear', () => {
    const i = input()
    const { receipt, row } = sealedPending(keys, i, '2026-03-02')
    const stored = JSON.stringify(row)
    for (const secret of [receipt, i.clientKey as string, 'hh-42', 'Đường ngập', 'đèn đường', 'device-1'])
      expect(stored).not.toContain(secret)
    expect(row.receipt).toBe(pendingKey(keys, 'receipt', receipt))
    expect(row.clientKey).toBe(pendingKey(keys, 'client', i.clientKey as string))
    // what it carries sealed is what the landed ballot needs, the receipt and client key included
    const p = openPending(keys, row)
    expect(p).toMatchObject({ v: 2, receipt, clientKey: i.clientKey, answers: i.answers, comment: i.comment, day: '2026-03-02' })
    expect(p.secondsToComplete).not.toBe(83) // bucketed
  })

  it('cannot be moved: the box opens only on its own row, round, village and channel', () => {
    const { row } = sealedPending(keys, input(), '2026-03-02')
    for (const moved of [{ id: 'other' }, { roundId: 'r2' }, { villageId: 'v2' }, { channel: 'paper' as const }, { receipt: 'x' }])
      expect(() => openPending(keys, { ...row, ...moved })).toThrow()
    expect(() => openPending(privacyKeys('another-secret-another-secret-another-secret'), row)).toThrow()
  })

  it('gives every acceptance its own receipt, and keys receipt and client under different purposes', () => {
    const a = sealedPending(keys, input(), '2026-03-02')
    const b = sealedPending(keys, input(), '2026-03-02')
    expect(a.receipt).not.toBe(b.receipt)
    expect(a.row.id).not.toBe(b.row.id)
    expect(pendingKey(keys, 'receipt', 'abc')).not.toBe(pendingKey(keys, 'client', 'abc'))
    expect(clientKeyOf(keys, 'token-hash', undefined)).toBeNull()
    expect(clientKeyOf(keys, 'token-hash', 'device-1')).not.toBe(clientKeyOf(keys, 'other-token', 'device-1'))
  })
})

describe('which pending ballots land in a pass', () => {
  it('while open: none below 2 × the batch, else a subset that always keeps the batch back; at close: all', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer(), { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), (rows, m, all) => {
        const chosen = chosenToLand(rows, all, m)
        expect(new Set(chosen).size).toBe(chosen.length)
        for (const r of chosen) expect(rows).toContain(r)
        if (all) expect(chosen.length).toBe(rows.length)
        else if (rows.length < 2 * m) expect(chosen).toEqual([])
        else expect(chosen.length).toBe(rows.length - m)
      }),
    )
  })

  it('lands in an order that owes nothing to the order the rows were read in', () => {
    const rows = Array.from({ length: 40 }, (_, i) => i)
    const firstLanded = new Set<number>()
    for (let k = 0; k < 200; k++) firstLanded.add(chosenToLand(rows, true, 5)[0] as number)
    // 200 draws over 40 rows: a fixed or arrival-ordered landing would show one value; a uniform one shows ~39
    expect(firstLanded.size).toBeGreaterThan(25)
  })
})

describe('a landing batch', () => {
  const group = (n: number) => Array.from({ length: n }, (_, k) => sealedPending(keys, input({ clientKey: `ck${k}` }), '2026-03-02'))
  const damage = (r: PendingRow): PendingRow => ({ ...r, sealed: `AAAA${r.sealed.slice(4)}` })

  it('keeps out, alone, a box that does not open and a ballot landed already; the rest lands as one batch', () => {
    const made = group(5)
    const rows = made.map((m) => m.row)
    const { opened, failed } = openBatch(keys, [rows[0], damage(rows[1] as PendingRow), rows[2], rows[3], rows[4]] as PendingRow[])
    expect(failed.map((f) => f.row.id)).toEqual([rows[1]?.id])
    expect(opened.map((o) => o.receipt)).toEqual([made[0], made[2], made[3], made[4]].map((m) => m?.receipt))
    // landed already: one by its receipt, one by its client key
    const landed = [
      { receipt: made[2]?.receipt as string, clientId: null },
      { receipt: 'OTHER', clientId: 'ck4' },
    ]
    const { batch, leftOut } = landingBatch(opened, failed, landed, true, 5)
    expect(leftOut).toHaveLength(3)
    expect(String(leftOut[1])).toContain(`${rows[2]?.id} was landed already`)
    expect(batch.map((b) => b.row.id).sort()).toEqual([rows[0]?.id, rows[3]?.id].sort())
  })

  it('counts only rows that can land toward 2 × the batch and the ballots kept back', () => {
    // 5 real ballots and 10 junk rows while open, batch 5: the junk must not make the group ready (old: 15 ≥ 10 → 10
    // landed, i.e. the 5 real ones beside junk kept back); 10 real and 10 junk: 5 real land, 5 real stay back
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 12 }), (real, junk) => {
        const rows = [...group(real).map((m) => m.row), ...group(junk).map((m) => damage(m.row))]
        const { opened, failed } = openBatch(keys, rows)
        const { batch } = landingBatch(opened, failed, [], false, 5)
        expect(batch.length).toBe(real < 10 ? 0 : real - 5)
      }),
      { numRuns: 30 },
    )
  })
})

describe('a household that has taken part sends again', () => {
  it('gets its receipt again for the same content from the same device, whether landed or pending', () => {
    expect(replayOrRefuse(keys, 'h1', { receipt: 'R1', contentHash: 'h1' }, undefined)).toEqual({ receipt: 'R1', replay: true })
    const i = input({ contentHash: 'h2' })
    const { receipt, row } = sealedPending(keys, i, '2026-03-02')
    expect(replayOrRefuse(keys, 'h2', undefined, row)).toEqual({ receipt, replay: true })
  })

  it('is refused (409 already_answered) with other content or no matching ballot', () => {
    const { row } = sealedPending(keys, input({ contentHash: 'h2' }), '2026-03-02')
    for (const [prior, pending] of [
      [{ receipt: 'R1', contentHash: 'h1' }, undefined],
      [undefined, row],
      [undefined, undefined],
    ] as const)
      expect(() => replayOrRefuse(keys, 'h3', prior, pending)).toThrow(
        expect.objectContaining({ code: 'already_answered', statusCode: 409 }),
      )
  })
})
