import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type SuppressionPattern, type SuppressionTable, suppressCells, suppressLine } from './suppression.js'

/**
 * What a reader can write down from what is shown: one equation per shown total, over the withheld cells
 * (the shown cells are moved to the right-hand side). Independent of the module's own graph reasoning.
 */
function equations(t: SuppressionTable, p: SuppressionPattern): { cells: [number, number][] }[] {
  const rows = t.counts.length
  const cols = t.counts[0]?.length ?? 0
  const hiddenIn = (f: (r: number, c: number) => boolean) => {
    const out: [number, number][] = []
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (p.hidden[r]?.[c] && f(r, c)) out.push([r, c])
    return out
  }
  const eqs: { cells: [number, number][] }[] = []
  if (t.rowTotals) for (let r = 0; r < rows; r++) if (!p.rowTotalHidden[r]) eqs.push({ cells: hiddenIn((rr) => rr === r) })
  if (t.colTotals) for (let c = 0; c < cols; c++) if (!p.colTotalHidden[c]) eqs.push({ cells: hiddenIn((_, cc) => cc === c) })
  if ((t.rowTotals || t.colTotals) && !p.grandHidden) eqs.push({ cells: hiddenIn(() => true) })
  return eqs
}

/** Rank over the rationals by fraction-free Gaussian elimination (BigInt). */
function rank(matrix: bigint[][]): number {
  const m = matrix.map((r) => [...r])
  const width = m[0]?.length ?? 0
  let rk = 0
  for (let col = 0; col < width && rk < m.length; col++) {
    const pivot = m.findIndex((row, i) => i >= rk && row[col] !== 0n)
    if (pivot < 0) continue
    ;[m[rk], m[pivot]] = [m[pivot] as bigint[], m[rk] as bigint[]]
    const pr = m[rk] as bigint[]
    for (let i = 0; i < m.length; i++) {
      if (i === rk) continue
      const row = m[i] as bigint[]
      const f = row[col] as bigint
      if (f === 0n) continue
      const pv = pr[col] as bigint
      for (let j = 0; j < width; j++) row[j] = (row[j] as bigint) * pv - (pr[j] as bigint) * f
    }
    rk++
  }
  return rk
}

/** Withheld cells a reader can solve for exactly: e_x lies in the row space of the equations. */
function solvable(t: SuppressionTable, p: SuppressionPattern): [number, number][] {
  const unknowns: [number, number][] = []
  t.counts.forEach((row, r) => {
    row.forEach((_, c) => {
      if (p.hidden[r]?.[c]) unknowns.push([r, c])
    })
  })
  const idx = new Map(unknowns.map(([r, c], i) => [`${r},${c}`, i]))
  const eqs = equations(t, p).filter((e) => e.cells.length > 0)
  const A = eqs.map((e) => {
    const row = unknowns.map(() => 0n)
    for (const [r, c] of e.cells) row[idx.get(`${r},${c}`) as number] = 1n
    return row
  })
  if (A.length === 0) return []
  const full = rank(A)
  return unknowns.filter((_, x) => rank(A.map((row) => row.filter((_, j) => j !== x))) < full)
}

const tableArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 5 }),
    cols: fc.integer({ min: 1, max: 7 }),
    rowTotals: fc.boolean(),
    colTotals: fc.boolean(),
    min: fc.integer({ min: 2, max: 6 }),
  })
  .chain(({ rows, cols, rowTotals, colTotals, min }) =>
    fc.record({
      // many small and empty cells: the interesting cases
      counts: fc.array(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 40 })), {
          minLength: cols,
          maxLength: cols,
        }),
        {
          minLength: rows,
          maxLength: rows,
        },
      ),
      forced: fc.array(
        fc.array(
          fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
          { minLength: cols, maxLength: cols },
        ),
        { minLength: rows, maxLength: rows },
      ),
      useForced: fc.boolean(),
      rowTotals: fc.constant(rowTotals),
      colTotals: fc.constant(colTotals),
      min: fc.constant(min),
    }),
  )

describe('suppressCells (complementary suppression)', () => {
  it('withholds a lone small village and the next smallest one, never the commune', () => {
    expect(suppressLine([12, 3, 40, 7, 9], 5)).toEqual([false, true, false, true, false])
    // two small ones protect each other only if they hold min ballots together
    expect(suppressLine([20, 2, 2, 30], 5)).toEqual([true, true, true, false])
    expect(suppressLine([20, 3, 2, 30], 5)).toEqual([false, true, true, false])
    // nothing small: nothing withheld; empty villages are shown as 0
    expect(suppressLine([12, 0, 40], 5)).toEqual([false, false, false])
    // the whole line is smaller than min: everything goes, the total too
    expect(suppressLine([0, 3, 0], 5)).toEqual([true, true, true])
  })

  it('follows a withheld cell through every dimension with a shown total', () => {
    // rows = questions, cols = villages; both totals shown
    const t = {
      counts: [
        [10, 3, 10],
        [10, 10, 10],
      ],
      rowTotals: true,
      colTotals: true,
    }
    const p = suppressCells(t, 5)
    expect(p.hidden[0]?.[1]).toBe(true)
    expect(p.hidden.flat().filter(Boolean).length).toBeGreaterThanOrEqual(4)
    expect(solvable(t, p)).toEqual([])
  })

  it('for random tables: no withheld cell is recoverable, every shown cell and total has 0 or ≥ min ballots, and every shown total leaves ≥ min ballots withheld behind it or none', () => {
    fc.assert(
      fc.property(tableArb, (g) => {
        const t: SuppressionTable = {
          counts: g.counts,
          rowTotals: g.rowTotals,
          colTotals: g.colTotals,
          ...(g.useForced ? { forced: g.forced } : {}),
        }
        const p = suppressCells(t, g.min)
        const ok = (n: number) => n === 0 || n >= g.min
        g.counts.forEach((row, r) => {
          row.forEach((n, c) => {
            if (!p.hidden[r]?.[c]) expect(ok(n), `cell ${r},${c}=${n} shown`).toBe(true)
            if (g.useForced && g.forced[r]?.[c]) expect(p.hidden[r]?.[c]).toBe(true)
          })
        })
        const rowSum = (r: number) => (g.counts[r] ?? []).reduce((a, v) => a + v, 0)
        const colSum = (c: number) => g.counts.reduce((a, row) => a + (row[c] ?? 0), 0)
        if (g.rowTotals)
          g.counts.forEach((_, r) => {
            if (!p.rowTotalHidden[r]) expect(ok(rowSum(r))).toBe(true)
          })
        if (g.colTotals)
          (g.counts[0] ?? []).forEach((_, c) => {
            if (!p.colTotalHidden[c]) expect(ok(colSum(c))).toBe(true)
          })
        // every equation a reader holds covers 0 or ≥ min withheld ballots, and never a single withheld cell
        for (const e of equations(t, p)) {
          const sum = e.cells.reduce((a, [r, c]) => a + (g.counts[r]?.[c] ?? 0), 0)
          if (sum > 0) {
            expect(sum).toBeGreaterThanOrEqual(g.min)
            expect(e.cells.length).toBeGreaterThanOrEqual(2)
          }
        }
        expect(solvable(t, p)).toEqual([])
      }),
      { numRuns: 600 },
    )
  })

  it('is deterministic and rejects malformed tables', () => {
    const t = { counts: [[4, 9, 12, 1]], rowTotals: true, colTotals: false }
    expect(suppressCells(t, 5)).toEqual(suppressCells(t, 5))
    expect(() => suppressCells({ counts: [[1, 2], [3]], rowTotals: true, colTotals: false }, 5)).toThrow(RangeError)
    expect(() => suppressCells({ counts: [[-1]], rowTotals: true, colTotals: false }, 5)).toThrow(RangeError)
    expect(() => suppressCells(t, 0)).toThrow(RangeError)
  })
})
