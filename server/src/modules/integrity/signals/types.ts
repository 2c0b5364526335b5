import { formatFractionVi, type IntegritySignal, type SignalKey } from '@app/shared'

export type Signal = IntegritySignal

/** Fraction → "32,50 %": shares are written like every other percent (shared/src/format.ts). */
export function pct(x: number): string {
  return formatFractionVi(x)
}

/** Round to 4 decimals for the wire (the rule compares the unrounded number). */
export function r4(x: number): number {
  return Math.round(x * 10_000) / 10_000
}

/**
 * The "nothing to look at" entry: when no unit triggers, a signal still reports once for the round
 * (with the largest value seen among the units that had enough data), so reviewers see it was checked.
 */
export function quiet(
  base: { key: SignalKey; threshold: number; rule: string },
  value: number | null,
  n: number | undefined,
  explanation: string,
): Signal {
  return {
    ...base,
    triggered: false,
    value: value === null ? null : r4(value),
    scope: 'round',
    explanation,
    ...(n !== undefined ? { n } : {}),
  }
}
