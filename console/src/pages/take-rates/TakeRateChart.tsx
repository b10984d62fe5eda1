// Take rates as bars, one per offer, segment or channel: the share of offers made that customers
// accepted (Chart.js, only the parts we use). The table beside it carries the same numbers.
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
import { formatPercent } from '../../lib/format.ts'
import type { TakeRateGroup } from './api.ts'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend)

export function TakeRateChart(props: {
  groups: TakeRateGroup[]
  label: (group: TakeRateGroup) => string
  summary: string
}) {
  let canvas: HTMLCanvasElement | undefined
  let chart: Chart<'bar'> | undefined

  const config = (): ChartConfiguration<'bar'> => ({
    type: 'bar',
    data: {
      labels: props.groups.map(props.label),
      datasets: [
        {
          label: 'Accepted, of offers made',
          data: props.groups.map((g) => (g.take_rate ?? 0) * 100),
          backgroundColor: '#2f7d4f',
          borderWidth: 0,
          maxBarThickness: 36,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const group = props.groups[item.dataIndex]
              return group
                ? `${formatPercent(group.take_rate ?? 0)}: ${group.accepted} of ${group.presented} accepted`
                : ''
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { font: { size: 11 } } },
        y: {
          beginAtZero: true,
          suggestedMax: 100,
          ticks: { callback: (value) => `${value}%`, font: { size: 11 } },
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
      <canvas ref={canvas} role="img" aria-label={props.summary} data-testid="take-rate-chart" />
    </div>
  )
}
