/**
 * Small-group suppression (shared/DESIGN.md §4): any breakdown built from fewer than
 * `min` ballots (a village, question × village, channel × village) is withheld wherever aggregates
 * leave the system — public notices, the verify page, exports to non-council roles. The minimum comes
 * from configuration (PRIVACY_MIN_CELL, default 5); the rule lives here so the API, the PDFs and the
 * web app withhold exactly the same cells.
 */

/** The default minimum number of ballots behind any published figure. */
export const DEFAULT_MIN_CELL = 5

/** True when a count is too small to publish: 1 … min−1. Zero reveals no one and is kept. */
export function isSmallCell(count: number, min = DEFAULT_MIN_CELL): boolean {
  return count > 0 && count < min
}

/** The count, or null when it must be withheld ("fewer than 5"). */
export function suppressSmall(count: number | null, min = DEFAULT_MIN_CELL): number | null {
  if (count === null) return null
  return isSmallCell(count, min) ? null : count
}

/** A unit's tally as computed (shape of `Tally` in shared/src/schemas/round.ts). */
export interface TallyCells {
  unitId: string
  name: string
  households: number
  participated: number
  valid: number
  satisfied: number
  notSatisfied: number
  coverage: number | null
  rate: number | null
  interval: { low: number; high: number } | null
  bounds: { worst: number; best: number } | null
  verdict: string
  robustness: string | null
}

/** The same tally once suppressed: every figure derived from the ballots may be null. */
export type SuppressedTallyCells<T extends TallyCells = TallyCells> = Omit<
  T,
  'participated' | 'valid' | 'satisfied' | 'notSatisfied' | 'coverage' | 'rate' | 'interval' | 'bounds' | 'robustness'
> & {
  participated: number | null
  valid: number | null
  satisfied: number | null
  notSatisfied: number | null
  coverage: number | null
  rate: number | null
  interval: { low: number; high: number } | null
  bounds: { worst: number; best: number } | null
  robustness: T['robustness'] | null
  /** True when the unit had fewer than `min` ballots and its counts are withheld. */
  suppressed: boolean
}

/**
 * Withhold a unit's counts and rates when fewer than `min` households took part or fewer than `min`
 * ballots are valid — 1 … min−1 (the household frame, the name and the verdict stay: they come from the frame,
 * not from anyone's answer). A unit with no ballot at all is not suppressed: there is nothing to hide.
 */
export function suppressUnitTally<T extends TallyCells>(t: T, min = DEFAULT_MIN_CELL): SuppressedTallyCells<T> {
  const suppressed = isSmallCell(t.participated, min) || isSmallCell(t.valid, min)
  if (!suppressed) return { ...t, suppressed: false }
  return {
    ...t,
    participated: null,
    valid: null,
    satisfied: null,
    notSatisfied: null,
    coverage: null,
    rate: null,
    interval: null,
    bounds: null,
    robustness: null,
    suppressed: true,
  }
}

export interface QuestionCells {
  key: string
  valid: number
  satisfied: number
  rate: number | null
}

/** A round's tally (shape of `RoundTally`), optionally with question × village cells. */
export interface RoundTallyCells<T extends TallyCells = TallyCells, Q extends QuestionCells = QuestionCells> {
  commune: T
  villages: T[]
  questions: Q[]
  /** Ballots per channel (commune level): channel × unit cells. */
  byChannel?: Record<string, number>
  /** Optional question × village cells. */
  villageQuestions?: (Q & { villageId: string })[]
}

export type SuppressedQuestionCells<Q extends QuestionCells = QuestionCells> = Omit<Q, 'valid' | 'satisfied' | 'rate'> & {
  valid: number | null
  satisfied: number | null
  rate: number | null
  suppressed: boolean
}

export interface SuppressedRoundTally<T extends TallyCells = TallyCells, Q extends QuestionCells = QuestionCells> {
  commune: SuppressedTallyCells<T>
  villages: SuppressedTallyCells<T>[]
  questions: SuppressedQuestionCells<Q>[]
  byChannel?: Record<string, number | null>
  villageQuestions?: (SuppressedQuestionCells<Q> & { villageId: string })[]
  /** True when at least one cell was withheld. */
  suppressed: boolean
  /** The minimum applied, so a reader can print "dưới 5 phiếu". */
  minCell: number
}

function suppressQuestion<Q extends QuestionCells>(q: Q, min: number): SuppressedQuestionCells<Q> {
  if (!isSmallCell(q.valid, min)) return { ...q, suppressed: false }
  return { ...q, valid: null, satisfied: null, rate: null, suppressed: true }
}

/**
 * Suppress every breakdown of a round's tally below `min` ballots: each village, the commune itself
 * (a one-village follow-up round can be tiny), every question (and question × village) cell and every
 * channel count. Other fields of the input are kept as they are; callers still decide what to publish
 * (free text never is).
 */
export function suppressTally<T extends TallyCells, Q extends QuestionCells, R extends RoundTallyCells<T, Q>>(
  tally: R,
  min = DEFAULT_MIN_CELL,
): Omit<R, 'commune' | 'villages' | 'questions' | 'byChannel' | 'villageQuestions'> & SuppressedRoundTally<T, Q> {
  const commune = suppressUnitTally(tally.commune, min)
  const villages = tally.villages.map((v) => suppressUnitTally(v, min))
  const questions = tally.questions.map((q) => suppressQuestion(q, min))
  const byChannel = tally.byChannel
    ? Object.fromEntries(Object.entries(tally.byChannel).map(([k, n]) => [k, suppressSmall(n, min)]))
    : undefined
  const villageQuestions = tally.villageQuestions?.map((q) => ({ ...suppressQuestion(q, min), villageId: q.villageId }))
  const suppressed =
    commune.suppressed ||
    villages.some((v) => v.suppressed) ||
    questions.some((q) => q.suppressed) ||
    Object.values(byChannel ?? {}).some((n) => n === null) ||
    (villageQuestions ?? []).some((q) => q.suppressed)
  const { commune: _c, villages: _v, questions: _q, byChannel: _b, villageQuestions: _vq, ...rest } = tally
  return {
    ...rest,
    commune,
    villages,
    questions,
    ...(byChannel ? { byChannel } : {}),
    ...(villageQuestions ? { villageQuestions } : {}),
    suppressed,
    minCell: min,
  }
}
