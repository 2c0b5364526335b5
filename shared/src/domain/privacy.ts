/**
 * Small-group suppression of a round's results (TRUST.md §2.2): once results are out, any figure built on
 * fewer than `min` ballots (PRIVACY_MIN_CELL, default 5) is withheld in every view, staff ones included, and so
 * is whatever else would let it be recovered as a total minus the figures shown (complementary suppression,
 * ./suppression.ts). The rule lives here so the API, the PDFs, the exports and the web app withhold exactly the
 * same cells; the frozen sealed JSON keeps every figure (verification recounts it), only what is served changes.
 */
import type { RoundTally, ShownBarFailure, ShownQuestionTally, ShownRoundTally, ShownTally, Tally } from '../schemas/round.js'
import { suppressCells, suppressLine } from './suppression.js'

/** The default minimum number of ballots behind any figure shown. */
export const DEFAULT_MIN_CELL = 5

/** The Vietnamese words for a withheld figure and its legend (one place for screens, PDFs and exports). */
export const SUPPRESSED_MARK_VI = '—'
export function suppressedLegendVi(min: number): string {
  return `— : dưới ${min} phiếu hoặc gộp để bảo vệ bí mật phiếu (không phải 0)`
}
export function mergedVillagesLabelVi(min: number): string {
  return `Các thôn/ấp gộp (bảo vệ bí mật phiếu, mỗi nhóm từ ${min} phiếu)`
}

/** True when a count is too small to show: 1 … min−1. Zero reveals no one and is kept. */
export function isSmallCell(count: number, min = DEFAULT_MIN_CELL): boolean {
  return count > 0 && count < min
}

/** The count, or null when it must be withheld ("fewer than 5"); for a lone figure with no total beside it. */
export function suppressSmall(count: number | null, min = DEFAULT_MIN_CELL): number | null {
  if (count === null) return null
  return isSmallCell(count, min) ? null : count
}

/**
 * Which villages of a round have their results withheld: those with 1 … min−1 valid ballots, plus the
 * complements that keep them from being recovered from the commune total (the commune itself when it is small).
 * Every per-village figure (per question, reasons, comments, ballot rows of exports, minutes) follows this set.
 */
export function hiddenVillages(tally: Pick<RoundTally, 'villages'>, min = DEFAULT_MIN_CELL): Set<string> {
  const hidden = suppressLine(
    tally.villages.map((v) => v.valid),
    min,
  )
  return new Set(tally.villages.filter((_, i) => hidden[i]).map((v) => v.unitId))
}

/**
 * Villages per question (question × village cells, each question's commune figure shown): the village set above
 * for every question, plus any cell of a question answered by 1 … min−1 ballots in a village and its complements.
 * Every question is compulsory today, so this equals the village set; it stays right if that changes.
 */
export function hiddenQuestionCells(
  questionKeys: readonly string[],
  villages: readonly { unitId: string }[],
  counts: ReadonlyMap<string, number>,
  hidden: ReadonlySet<string>,
  min = DEFAULT_MIN_CELL,
): Set<string> {
  const p = suppressCells(
    {
      counts: questionKeys.map((k) => villages.map((v) => counts.get(`${k}|${v.unitId}`) ?? 0)),
      rowTotals: true,
      colTotals: false,
      forced: questionKeys.map(() => villages.map((v) => hidden.has(v.unitId))),
    },
    min,
  )
  const out = new Set<string>()
  questionKeys.forEach((k, r) => {
    villages.forEach((v, c) => {
      if (p.hidden[r]?.[c]) out.add(`${k}|${v.unitId}`)
    })
  })
  return out
}

function withheld(t: Tally): ShownTally {
  return {
    ...t,
    valid: null,
    satisfied: null,
    notSatisfied: null,
    rate: null,
    interval: null,
    bounds: null,
    robustness: null,
    suppressed: true,
  }
}

/**
 * A round's tally as it may be served: withheld villages (above) lose every figure built on their ballots; the
 * commune too when it has 1 … min−1 valid ballots; each question's commune figure when it is small; checks of the
 * rule set that failed on a withheld village name no village and give no numbers, and the lowest figure of a
 * per-village bar is not given when it may come from a withheld village. Households, participation and coverage
 * stay (public while the round is open); the verdict stays (it is the result the law asks for).
 */
export function suppressRoundTally(tally: RoundTally, min = DEFAULT_MIN_CELL): ShownRoundTally {
  const hidden = hiddenVillages(tally, min)
  const communeSmall = isSmallCell(tally.commune.valid, min)
  const villages = tally.villages.map((v) => (hidden.has(v.unitId) || communeSmall ? withheld(v) : { ...v, suppressed: false }))
  const commune = communeSmall ? withheld(tally.commune) : { ...tally.commune, suppressed: false }
  const questions: ShownQuestionTally[] = tally.questions.map((q) =>
    communeSmall || isSmallCell(q.valid, min)
      ? { ...q, valid: null, satisfied: null, rate: null, suppressed: true }
      : { ...q, suppressed: false },
  )
  const rules = tally.rules
    ? {
        ...tally.rules,
        evaluation: {
          ...tally.rules.evaluation,
          bars: tally.rules.evaluation.bars.map((b) => {
            const perVillage = b.bar.kind === 'every_question_per_village'
            const failures: ShownBarFailure[] = []
            let mergedFailure = false
            for (const f of b.failures) {
              const isHidden = communeSmall ? b.bar.kind !== 'coverage' : perVillage && f.unitId !== null && hidden.has(f.unitId)
              if (!isHidden) failures.push(f)
              else if (!mergedFailure || !perVillage) {
                // one entry for all withheld villages: which of them failed, and by how much, would single them out
                mergedFailure = true
                failures.push({
                  unitId: null,
                  unitName: null,
                  questionKey: perVillage ? null : f.questionKey,
                  num: null,
                  den: null,
                  suppressed: true,
                })
              }
            }
            const valueHidden = (communeSmall && b.bar.kind !== 'coverage') || (perVillage && hidden.size > 0)
            return valueHidden ? { ...b, failures, valueHundredths: null, valueSuppressed: true } : { ...b, failures }
          }),
        },
      }
    : undefined
  // ballots per channel beside the commune's participation: a channel used by 1 … min−1 households goes, with a complement
  const channels = Object.keys(tally.byChannel)
  const channelHidden = suppressLine(
    channels.map((k) => tally.byChannel[k] ?? 0),
    min,
  )
  const byChannel: Record<string, number | null> = Object.fromEntries(
    channels.map((k, i) => [k, channelHidden[i] ? null : (tally.byChannel[k] ?? 0)]),
  )
  const suppressed =
    commune.suppressed || villages.some((v) => v.suppressed) || questions.some((q) => q.suppressed) || channelHidden.some(Boolean)
  return { ...tally, commune, villages, questions, byChannel, ...(rules ? { rules } : {}), minCell: min, suppressed }
}
