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

/** A horizontal reference line (the coverage floor or the threshold) drawn at `value` percent on the y axis (or x when horizontal). */
export function referenceLine(id: string, value: () => number, label: () => string, axis: 'x' | 'y' = 'y'): Plugin<'bar'> {
  return {
    id,
    afterDatasetsDraw(chart) {
      const scale = chart.scales[axis]
      if (!scale) return
      const { ctx, chartArea } = chart
      const pos = scale.getPixelForValue(value())
      ctx.save()
      ctx.strokeStyle = '#b91c1c'
      ctx.lineWidth = 2
      ctx.setLineDash([6, 4])
      ctx.beginPath()
      if (axis === 'y') {
        ctx.moveTo(chartArea.left, pos)
        ctx.lineTo(chartArea.right, pos)
      } else {
        ctx.moveTo(pos, chartArea.top)
        ctx.lineTo(pos, chartArea.bottom)
      }
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = '#b91c1c'
      ctx.font = '12px system-ui, sans-serif'
      if (axis === 'y') ctx.fillText(label(), chartArea.left + 6, pos - 6)
      else ctx.fillText(label(), pos + 4, chartArea.top + 12)
      ctx.restore()
    },
  }
}
