import { describe, expect, it } from 'vitest'
import { RoundStatus } from '../schemas/round.js'
import { actionsFrom, isTerminal, ROUND_TRANSITIONS, type RoundState, roundAction } from './round-status.js'

const ALL = RoundStatus.options as readonly RoundState[]

describe('the round state machine', () => {
  it('has exactly the documented edges', () => {
    const edges = ALL.flatMap((from) => ALL.map((to) => [from, to, roundAction(from, to)] as const)).filter(([, , a]) => a)
    expect(edges).toEqual([
      ['draft', 'open', 'open'],
      ['open', 'closed', 'close'],
      ['closed', 'open', 'reopen'],
      ['closed', 'sealed', 'seal'],
      ['sealed', 'closed', 'unseal'],
      ['sealed', 'returned', 'return_for_resurvey'],
      ['returned', 'sealed', 'withdraw_return'],
    ])
  })

  it('refuses every other move, including staying put and skipping a step', () => {
    expect(roundAction('draft', 'closed')).toBeNull()
    expect(roundAction('open', 'sealed')).toBeNull()
    expect(roundAction('returned', 'closed')).toBeNull()
    expect(roundAction('returned', 'open')).toBeNull()
    expect(roundAction('sealed', 'open')).toBeNull()
    for (const s of ALL) expect(roundAction(s, s)).toBeNull()
  })

  it('covers every status of the wire schema; no status is a dead end', () => {
    const seen = new Set(Object.values(ROUND_TRANSITIONS).flatMap((t) => [t.from, t.to]))
    expect([...seen].sort()).toEqual([...ALL].sort())
    expect(ALL.filter(isTerminal)).toEqual([])
    expect(actionsFrom('closed')).toEqual(['reopen', 'seal'])
    expect(actionsFrom('sealed')).toEqual(['unseal', 'return_for_resurvey'])
  })
})
