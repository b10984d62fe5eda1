// The admin console's entry. Step 1 ships a welcome page; the rule editor and the rest follow.
import { render } from 'solid-js/web'

function Welcome() {
  return (
    <main style={{ 'font-family': 'system-ui, sans-serif', 'max-width': '40rem', margin: '4rem auto', 'line-height': 1.5 }}>
      <h1>Tollgate console</h1>
      <p>
        Decisions are running. The rule editor, the decision search and the review desk arrive here next. Until then,
        merchants' developers can read the API at <a href="/v1/docs">/v1/docs</a>.
      </p>
    </main>
  )
}

const root = document.getElementById('root')
if (root) render(() => <Welcome />, root)
