/**
 * Complementary cell suppression (TRUST.md §2.2). Withholding every small cell is not enough when a total is
 * shown: with one village hidden, "commune minus the villages shown" gives it back. This module decides which
 * cells of a table of ballot counts to withhold so that
 *
 *  - every cell shown holds 0 or at least `min` ballots (0 reveals no one: coverage, which is public, says so);
 *  - every total shown holds 0 or at least `min` ballots;
 *  - no withheld cell can be worked out from what is shown (cells, row and column totals, the grand total),
 *    not even by combining several totals; and the withheld cells of any line whose total is shown hold at
 *    least `min` ballots together, so the difference a reader can compute is itself never a small group.
 *
 * Pure and deterministic (same counts → same pattern), so the API, the PDFs, the exports and the web app
 * withhold exactly the same cells. Complements are the smallest cells that do the job (the least information lost).
 */

export interface SuppressionTable {
  /** Ballots behind each cell, rows × columns (non-negative integers, every row the same length). */
  counts: readonly (readonly number[])[]
  /** Each row's total is shown next to it (e.g. a question's commune figure beside its villages). */
  rowTotals: boolean
  /** Each column's total is shown below it. */
  colTotals: boolean
  /** Cells withheld whatever their count (e.g. a village withheld in another table showing the same ballots). */
  forced?: readonly (readonly boolean[])[]
}

export interface SuppressionPattern {
  /** hidden[r][c]: the cell is withheld. */
  hidden: boolean[][]
  /** Row totals withheld (only when `rowTotals`): the row is withheld whole. */
  rowTotalHidden: boolean[]
  /** Column totals withheld (only when `colTotals`): the column is withheld whole. */
  colTotalHidden: boolean[]
  /** The grand total is withheld (the whole table is smaller than `min`). */
  grandHidden: boolean
}

const small = (n: number, min: number) => n > 0 && n < min

/**
 * The graph of what a reader can solve: one node per line whose total is known (a row or column with a shown
 * total), one node for all lines with a withheld total when the grand total is known (their sum is known), one
 * free node for everything else; one edge per withheld cell. A withheld cell can be worked out from the shown
 * figures exactly when its edge is a bridge (lies on no cycle): every other cell of a cycle can move ±1 in turn
 * and keep every known sum.
 */
function nodesOf(t: SuppressionTable, p: SuppressionPattern) {
  const rows = t.counts.length
  const FREE = 0
  const ROWS_HIDDEN = 1
  const COLS_HIDDEN = 2
  const grandKnown = !p.grandHidden && (t.rowTotals || t.colTotals)
  const rowNode = (r: number) => (!t.rowTotals ? FREE : p.rowTotalHidden[r] ? (grandKnown ? ROWS_HIDDEN : FREE) : 3 + r)
  const colNode = (c: number) => (!t.colTotals ? FREE : p.colTotalHidden[c] ? (grandKnown ? COLS_HIDDEN : FREE) : 3 + rows + c)
  return { rowNode, colNode, FREE }
}

/** Withheld cells whose value follows from the shown figures (bridges of the graph above), as [row, col]. */
export function recoverableCells(t: SuppressionTable, p: SuppressionPattern): [number, number][] {
  const { rowNode, colNode } = nodesOf(t, p)
  const edges: { r: number; c: number; a: number; b: number }[] = []
  t.counts.forEach((row, r) => {
    row.forEach((_, c) => {
      if (p.hidden[r]?.[c]) edges.push({ r, c, a: rowNode(r), b: colNode(c) })
    })
  })
  const adj = new Map<number, { to: number; e: number }[]>()
  const link = (x: number, y: number, e: number) => {
    const l = adj.get(x) ?? []
    l.push({ to: y, e })
    adj.set(x, l)
  }
  edges.forEach((e, i) => {
    link(e.a, e.b, i)
    link(e.b, e.a, i)
  })
  // bridges by Tarjan's low-link (iterative: tables of thousands of cells must not overflow the stack)
  const disc = new Map<number, number>()
  const low = new Map<number, number>()
  const bridge = new Set<number>()
  let time = 0
  for (const start of adj.keys()) {
    if (disc.has(start)) continue
    const stack: { v: number; parentEdge: number; i: number }[] = [{ v: start, parentEdge: -1, i: 0 }]
    disc.set(start, time)
    low.set(start, time++)
    while (stack.length) {
      const top = stack[stack.length - 1] as { v: number; parentEdge: number; i: number }
      const list = adj.get(top.v) ?? []
      if (top.i < list.length) {
        const { to, e } = list[top.i++] as { to: number; e: number }
        if (e === top.parentEdge) continue
        if (!disc.has(to)) {
          disc.set(to, time)
          low.set(to, time++)
          stack.push({ v: to, parentEdge: e, i: 0 })
        } else low.set(top.v, Math.min(low.get(top.v) as number, disc.get(to) as number))
      } else {
        stack.pop()
        const parent = stack[stack.length - 1]
        if (parent) {
          low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(top.v) as number))
          if ((low.get(top.v) as number) > (disc.get(parent.v) as number)) bridge.add(top.parentEdge)
        }
      }
    }
  }
  return [...bridge].map((i) => [edges[i]?.r as number, edges[i]?.c as number])
}

/**
 * Choose the cells to withhold. Primary: every cell of 1 … min−1 ballots (and every forced one); a line whose
 * total is itself small goes whole. Complementary, repeated until nothing changes: a line with a shown total
 * whose withheld cells are a single cell or hold fewer than `min` ballots together gets its smallest shown
 * non-empty cell withheld too (or, with none left, its total); then any withheld cell still recoverable through
 * a combination of totals (a bridge) gets a neighbour withheld. Withholding only ever grows, so this ends.
 */
export function suppressCells(t: SuppressionTable, min: number): SuppressionPattern {
  if (!Number.isInteger(min) || min < 1) throw new RangeError('min must be a positive integer')
  const rows = t.counts.length
  const cols = t.counts[0]?.length ?? 0
  for (const row of t.counts) {
    if (row.length !== cols) throw new RangeError('every row must have the same number of cells')
    for (const n of row) if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('counts must be non-negative integers')
  }
  const n = (r: number, c: number) => t.counts[r]?.[c] ?? 0
  const p: SuppressionPattern = {
    hidden: t.counts.map((row, r) => row.map((v, c) => small(v, min) || t.forced?.[r]?.[c] === true)),
    rowTotalHidden: Array.from({ length: rows }, () => false),
    colTotalHidden: Array.from({ length: cols }, () => false),
    grandHidden: false,
  }
  const rowSum = (r: number) => (t.counts[r] ?? []).reduce((a, v) => a + v, 0)
  const colSum = (c: number) => t.counts.reduce((a, row) => a + (row[c] ?? 0), 0)
  const grand = t.counts.reduce((a, row) => a + row.reduce((x, v) => x + v, 0), 0)
  const hideRow = (r: number) => {
    p.rowTotalHidden[r] = t.rowTotals
    for (let c = 0; c < cols; c++) (p.hidden[r] as boolean[])[c] = true
  }
  const hideCol = (c: number) => {
    p.colTotalHidden[c] = t.colTotals
    for (let r = 0; r < rows; r++) (p.hidden[r] as boolean[])[c] = true
  }
  if (small(grand, min)) {
    for (let r = 0; r < rows; r++) hideRow(r)
    for (let c = 0; c < cols; c++) hideCol(c)
    p.grandHidden = true
    return p
  }
  if (t.rowTotals) for (let r = 0; r < rows; r++) if (small(rowSum(r), min)) hideRow(r)
  if (t.colTotals) for (let c = 0; c < cols; c++) if (small(colSum(c), min)) hideCol(c)

  const grandKnown = t.rowTotals || t.colTotals
  /** The lines a reader holds a sum for: [cells of the line, hide the line's total]. */
  function lines(): { cells: [number, number][]; hideTotal: () => void }[] {
    const out: { cells: [number, number][]; hideTotal: () => void }[] = []
    const all = (f: (r: number, c: number) => boolean) => {
      const cells: [number, number][] = []
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (f(r, c)) cells.push([r, c])
      return cells
    }
    if (t.rowTotals) {
      for (let r = 0; r < rows; r++) if (!p.rowTotalHidden[r]) out.push({ cells: all((rr) => rr === r), hideTotal: () => hideRow(r) })
      // withheld row totals: their sum is the grand total minus the shown ones
      if (grandKnown && p.rowTotalHidden.some(Boolean)) {
        const shownRows = [...Array(rows).keys()].filter((r) => !p.rowTotalHidden[r])
        out.push({
          cells: all((r) => p.rowTotalHidden[r] === true).concat(shownRows.map((r) => [r, -1] as [number, number])),
          hideTotal: () => {
            const next = smallestBy(shownRows, rowSum)
            if (next !== undefined) hideRow(next)
          },
        })
      }
    }
    if (t.colTotals) {
      for (let c = 0; c < cols; c++) if (!p.colTotalHidden[c]) out.push({ cells: all((_, cc) => cc === c), hideTotal: () => hideCol(c) })
      if (grandKnown && p.colTotalHidden.some(Boolean)) {
        const shownCols = [...Array(cols).keys()].filter((c) => !p.colTotalHidden[c])
        out.push({
          cells: all((_, c) => p.colTotalHidden[c] === true).concat(shownCols.map((c) => [-1, c] as [number, number])),
          hideTotal: () => {
            const next = smallestBy(shownCols, colSum)
            if (next !== undefined) hideCol(next)
          },
        })
      }
    }
    return out
  }

  /** One fix for one unsafe line; false when the line is safe. Markers [r, -1] / [-1, c] stand for whole shown rows / columns. */
  function fixLine(line: { cells: [number, number][]; hideTotal: () => void }): boolean {
    const real = line.cells.filter(([r, c]) => r >= 0 && c >= 0)
    const hiddenCells = real.filter(([r, c]) => p.hidden[r]?.[c])
    if (hiddenCells.length === 0) return false
    const hiddenSum = hiddenCells.reduce((a, [r, c]) => a + n(r, c), 0)
    if (hiddenSum === 0 || (hiddenCells.length >= 2 && hiddenSum >= min)) return false
    const candidates = real.filter(([r, c]) => !p.hidden[r]?.[c] && n(r, c) > 0)
    const pick = smallestBy(candidates, ([r, c]) => n(r, c))
    if (pick) (p.hidden[pick[0]] as boolean[])[pick[1]] = true
    else line.hideTotal()
    return true
  }

  /** A withheld cell still recoverable through several totals: withhold the smallest shown cell next to it. */
  function fixBridge(): boolean {
    const [b] = recoverableCells(t, p)
    if (!b) return false
    const [r, c] = b
    const near: [number, number][] = []
    if (t.rowTotals && !p.rowTotalHidden[r]) for (let cc = 0; cc < cols; cc++) near.push([r, cc])
    if (t.colTotals && !p.colTotalHidden[c]) for (let rr = 0; rr < rows; rr++) near.push([rr, c])
    const candidates = near.filter(([rr, cc]) => !p.hidden[rr]?.[cc] && n(rr, cc) > 0)
    const pick = smallestBy(candidates, ([rr, cc]) => n(rr, cc))
    if (pick) (p.hidden[pick[0]] as boolean[])[pick[1]] = true
    else if (t.rowTotals && !p.rowTotalHidden[r]) hideRow(r)
    else if (t.colTotals && !p.colTotalHidden[c]) hideCol(c)
    else {
      // only merged totals left around it: withhold the smallest shown cell anywhere (terminates: cells are finite)
      const any: [number, number][] = []
      for (let rr = 0; rr < rows; rr++) for (let cc = 0; cc < cols; cc++) if (!p.hidden[rr]?.[cc] && n(rr, cc) > 0) any.push([rr, cc])
      const last = smallestBy(any, ([rr, cc]) => n(rr, cc))
      if (!last) {
        for (let rr = 0; rr < rows; rr++) hideRow(rr)
        for (let cc = 0; cc < cols; cc++) hideCol(cc)
        p.grandHidden = true
        return false
      }
      ;(p.hidden[last[0]] as boolean[])[last[1]] = true
    }
    return true
  }

  const size = () =>
    p.hidden.reduce((a, row) => a + row.filter(Boolean).length, 0) +
    p.rowTotalHidden.filter(Boolean).length +
    p.colTotalHidden.filter(Boolean).length +
    (p.grandHidden ? 1 : 0)
  const hideAll = () => {
    for (let r = 0; r < rows; r++) hideRow(r)
    for (let c = 0; c < cols; c++) hideCol(c)
    p.grandHidden = true
  }
  for (;;) {
    const before = size()
    let unsafe = false
    for (const line of lines()) if (fixLine(line)) unsafe = true
    if (!unsafe && !fixBridge()) break
    // nothing left to withhold beside an unsafe line: only the grand total can go (and with it, everything)
    if (size() === before) {
      hideAll()
      break
    }
  }
  return p
}

function smallestBy<T>(items: readonly T[], key: (x: T) => number): T | undefined {
  let best: T | undefined
  let bestKey = Number.POSITIVE_INFINITY
  for (const x of items) {
    const k = key(x)
    if (k < bestKey) {
      best = x
      bestKey = k
    }
  }
  return best
}

/** One line (e.g. the villages of a commune, whose total is shown): which entries to withhold. */
export function suppressLine(counts: readonly number[], min: number, forced?: readonly boolean[]): boolean[] {
  const p = suppressCells({ counts: [counts], rowTotals: true, colTotals: false, ...(forced ? { forced: [forced] } : {}) }, min)
  return p.hidden[0] ?? []
}
