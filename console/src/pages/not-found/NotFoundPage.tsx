// A console address that matches no page.
import { A } from '@solidjs/router'
import { PageHeader } from '../../components/PageHeader.tsx'

export default function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <div class="state state-empty">
        <p class="state-title">There is no page at this address.</p>
        <p class="state-detail">
          Go to the <A href="/">dashboard</A> or <A href="/decisions">search decisions</A>.
        </p>
      </div>
    </>
  )
}
