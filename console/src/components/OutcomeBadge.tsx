// An outcome as a coloured label that reads the same without colour.
import { isOutcome, outcomeLabel } from '../lib/format.ts'

export function OutcomeBadge(props: { outcome: string }) {
  return (
    <span class={`badge outcome-${isOutcome(props.outcome) ? props.outcome : 'other'}`}>
      {outcomeLabel(props.outcome)}
    </span>
  )
}
