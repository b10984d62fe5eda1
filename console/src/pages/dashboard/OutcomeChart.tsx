// Decisions over time as stacked bars, one colour per outcome (Chart.js, only the parts we use).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js'
import { createEffect, onCleanup, onMount } from 'solid-js'
import { outcomeColors, outcomeLabels, outcomes } from '../../lib/format.ts'
import type { Stats } from './api.ts'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend)

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })

export function OutcomeChart(props: { buckets: Stats['buckets']; bucket: 'hour' | 'day'; summary: string }) {
  let canvas: HTMLCanvasElement | undefined
  let chart: Chart<'bar'> | undefined

  const config = (): ChartConfiguration<'bar'> => ({
    type: 'bar',
    data: {
      labels: props.buckets.map((b) =>
        (props.bucket === 'hour' ? hourLabel : dayLabel).format(new Date(b.start)),
      ),
      datasets: outcomes.map((outcome) => ({
        label: outcomeLabels[outcome],
        data: props.buckets.map((b) => b[outcome]),
        backgroundColor: outcomeColors[outcome],
        borderWidth: 0,
        maxBarThickness: 28,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, font: { size: 12 } } },
        tooltip: { itemSort: (a, b) => b.datasetIndex - a.datasetIndex },
      },
      scales: {
        x: {
          stacked: true,
          grid: { display: false },
          ticks: { maxRotation: 0, autoSkipPadding: 12, font: { size: 11 } },
        },
        y: {
          stacked: true,
          beginAtZero: true,
          ticks: { precision: 0, font: { size: 11 } },
          grid: { color: '#eceef1' },
        },
      },
    },
  })

  onMount(() => {
    if (canvas) chart = new Chart(canvas, config())
  })
  createEffect(() => {
    const next = config()
    if (!chart) return
    chart.data = next.data
    chart.update()
  })
  onCleanup(() => chart?.destroy())

  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={props.summary} />
    </div>
  )
}
