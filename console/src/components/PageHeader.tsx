// The title row of a page, with room for its actions; also sets the document title.
import { createEffect, type JSX, Show } from 'solid-js'

export function PageHeader(props: { title: string; subtitle?: JSX.Element; actions?: JSX.Element }) {
  createEffect(() => {
    document.title = `${props.title} · Tollgate`
  })
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        <Show when={props.subtitle}>
          <p class="page-subtitle">{props.subtitle}</p>
        </Show>
      </div>
      <Show when={props.actions}>
        <div class="page-actions">{props.actions}</div>
      </Show>
    </header>
  )
}
