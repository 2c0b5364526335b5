/**
 * The round state machine: the only ways a round's status may change. Every status write on the
 * server goes through `rounds.transition`, which looks the move up here; who may make a move and
 * what else it checks (coverage, ledger, disclosure) stays with the service that owns the step.
 *
 *   draft ──open──▶ open ──close──▶ closed ──seal──▶ sealed ──return_for_resurvey──▶ returned
 *                    ▲               │  ▲              │  ▲                              │
 *                    └────reopen─────┘  └────unseal────┘  └───────withdraw_return───────┘
 *
 * Results are disclosed once (TRUST.md §2.2): while a round is draft or open nobody is served its figures,
 * reasons or comments, only its coverage; the first time a result of a closed round is served is recorded as its
 * disclosure, and `reopen` is refused from then on (more answers go to a follow-up round).
 */
export type RoundState = 'draft' | 'open' | 'closed' | 'sealed' | 'returned'

export const ROUND_TRANSITIONS = {
  open: { from: 'draft', to: 'open' },
  close: { from: 'open', to: 'closed' },
  reopen: { from: 'closed', to: 'open' },
  seal: { from: 'closed', to: 'sealed' },
  unseal: { from: 'sealed', to: 'closed' },
  return_for_resurvey: { from: 'sealed', to: 'returned' },
  /** The council amends its return (before any re-survey round exists): the sealed result stands again. */
  withdraw_return: { from: 'returned', to: 'sealed' },
} as const satisfies Record<string, { from: RoundState; to: RoundState }>

export type RoundAction = keyof typeof ROUND_TRANSITIONS

const ACTIONS = Object.keys(ROUND_TRANSITIONS) as RoundAction[]

/** The move from `from` to `to`, or null when the machine has no such edge. */
export function roundAction(from: RoundState, to: RoundState): RoundAction | null {
  return ACTIONS.find((a) => ROUND_TRANSITIONS[a].from === from && ROUND_TRANSITIONS[a].to === to) ?? null
}

/** The moves a round in `from` can make (for the UI's buttons and error messages). */
export function actionsFrom(from: RoundState): RoundAction[] {
  return ACTIONS.filter((a) => ROUND_TRANSITIONS[a].from === from)
}

/** Terminal: no move leaves it (none today: a return can be withdrawn until a re-survey round exists). */
export function isTerminal(s: RoundState): boolean {
  return actionsFrom(s).length === 0
}

/** Statuses whose results are withheld from everyone (coverage stays live): answers may still arrive. */
export function resultsWithheld(s: RoundState): boolean {
  return s === 'draft' || s === 'open'
}
