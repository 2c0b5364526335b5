/**
 * Chart.js is loaded lazily with a dynamic import() so it lands in its own chunk of the staff entry
 * only (never in the resident form). Only the pieces the bar charts need are registered.
 */
import type { Chart as ChartType, Plugin } from 'chart.js'

let loading: Promise<typeof ChartType> | null = null

export function loadChart(): Promise<typeof ChartType> {
  loading ??= import('chart.js').then((m) => {
    m.Chart.register(m.BarController, m.BarElement, m.CategoryScale, m.LinearScale, m.Tooltip, m.Legend)
    return m.Chart
  })
  return loading
}

/** Colours shared by the charts and their legends (the legend swatches must match the bars). */
export const CHART_COLORS = { ok: '#1d4ed8', met: '#047857', below: '#b45309', line: '#b91c1c' } as const

/** Space kept above the plot for the reference line's label (the label never sits on a bar). */
export const LABEL_GUTTER = 22

/**
 * A bar fill with diagonal white stripes: bars below the line differ by more than their colour (black-and-white
 * print, colour-blind readers). Falls back to the plain colour where a canvas cannot be made.
 */
export function hatched(color: string): string | CanvasPattern {
  const tile = typeof document === 'undefined' ? null : document.createElement('canvas')
  const ctx = tile?.getContext('2d')
  if (!tile || !ctx) return color
  tile.width = 10
  tile.height = 10
  ctx.fillStyle = color
  ctx.fillRect(0, 0, 10, 10)
  ctx.strokeStyle = 'rgba(255,255,255,0.85)'
  ctx.lineWidth = 2.5
  ctx.beginPath()
  for (const o of [-10, 0, 10]) {
    ctx.moveTo(o, 10)
    ctx.lineTo(o + 10, 0)
  }
  ctx.stroke()
  return ctx.createPattern(tile, 'repeat') ?? color
}

/**
 * A dashed reference line (the coverage floor or the threshold) at `value` percent on the y axis (or x when the
 * bars are horizontal). Its label is drawn outside the plot, in the gutter above it (LABEL_GUTTER, kept free with
 * layout.padding.top): at the top end of a vertical line, or as a legend entry (dashed sample + label) for a
 * horizontal one. Never over a bar, whatever their heights.
 */
export function referenceLine(id: string, value: () => number, label: () => string, axis: 'x' | 'y' = 'y'): Plugin<'bar'> {
  return {
    id,
    afterDatasetsDraw(chart) {
      const scale = chart.scales[axis]
      if (!scale) return
      const { ctx, chartArea, width } = chart
      const pos = scale.getPixelForValue(value())
      ctx.save()
      ctx.strokeStyle = CHART_COLORS.line
      ctx.lineWidth = 2
      ctx.setLineDash([6, 4])
      ctx.beginPath()
      if (axis === 'y') {
        ctx.moveTo(chartArea.left, pos)
        ctx.lineTo(chartArea.right, pos)
      } else {
        ctx.moveTo(pos, chartArea.top - 6)
        ctx.lineTo(pos, chartArea.bottom)
      }
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = CHART_COLORS.line
      ctx.font = 'bold 12px system-ui, sans-serif'
      ctx.textBaseline = 'bottom'
      const text = label()
      const w = ctx.measureText(text).width
      const y = chartArea.top - 8
      if (axis === 'y') {
        // a legend entry above the plot, right-aligned: a dashed sample of the line, then its label
        ctx.textAlign = 'right'
        ctx.fillText(text, chartArea.right, y)
        const sampleEnd = chartArea.right - w - 6
        ctx.lineWidth = 2
        ctx.setLineDash([6, 4])
        ctx.beginPath()
        ctx.moveTo(Math.max(chartArea.left, sampleEnd - 26), y - 7)
        ctx.lineTo(sampleEnd, y - 7)
        ctx.stroke()
      } else {
        // above the top end of the vertical line, kept inside the canvas
        const x = Math.min(Math.max(pos - w / 2, 2), width - w - 2)
        ctx.textAlign = 'left'
        ctx.fillText(text, x, y)
      }
      ctx.restore()
    },
  }
}
