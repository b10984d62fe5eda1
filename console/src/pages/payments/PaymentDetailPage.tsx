// One payment: its state and amounts, every call made to the gateway for it (with the idempotency
// key each retry reuses, so nothing is charged twice), and the ledger entries it wrote.
import { A, useParams } from '@solidjs/router'
import { createResource, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView } from '../../components/states.tsx'
import { formatDateTime, formatMoney, maskedCard } from '../../lib/format.ts'
import { Fields, Section } from '../decisions/DecisionDetailPage.tsx'
import { readPayment } from './api.ts'
import { LedgerEntriesTable, OperationsTable, PaymentStatusBadge } from './parts.tsx'
import { declineInWords, paymentKindLabel } from './words.ts'

export default function PaymentDetailPage() {
  const params = useParams<{ id: string }>()
  const [detail, { refetch }] = createResource(() => params.id, readPayment)
  return (
    <>
      <p class="breadcrumb">
        <A href="/payments">← Payments</A>
      </p>
      <PageHeader title={`Payment ${params.id}`} />
      <AsyncView resource={detail} retry={refetch} loadingRows={8}>
        {(d) => {
          const p = () => d().payment
          return (
            <div class="stack">
              <section class="panel summary" aria-label="Summary">
                <div class="summary-outcome">
                  <span class="summary-label">State</span>
                  <span class="outcome-large">
                    <PaymentStatusBadge status={p().status} />
                  </span>
                  <Show when={declineInWords(p().failure_code)}>
                    {(why) => <p class="resolution">The gateway refused: {why()}.</p>}
                  </Show>
                </div>
                <Fields
                  rows={[
                    ['Kind', paymentKindLabel(p().kind)],
                    ['Held', p().kind === 'hold' ? formatMoney(p().authorized) : null],
                    ['Captured', formatMoney(p().captured)],
                    ['Refunded', p().refunded.value ? formatMoney(p().refunded) : null],
                    ['Card', p().card ? maskedCard(p().card) : null],
                    [
                      'Gateway',
                      `${p().gateway}${p().gateway_reference ? ` · ${p().gateway_reference}` : ''}`,
                    ],
                    [
                      'Hold lapses',
                      p().expires_at && p().status === 'authorized' ? formatDateTime(p().expires_at) : null,
                    ],
                    [
                      'Session',
                      p().session_id ? (
                        <A href={`/sessions/${encodeURIComponent(p().session_id ?? '')}`} class="mono">
                          {p().session_id}
                        </A>
                      ) : null,
                    ],
                    [
                      'Decision',
                      p().decision_id ? (
                        <A href={`/decisions/${encodeURIComponent(p().decision_id ?? '')}`} class="mono">
                          {p().decision_id}
                        </A>
                      ) : null,
                    ],
                    ['Customer', p().customer_id],
                    ['Created', formatDateTime(p().created_at)],
                    ['Last change', formatDateTime(p().updated_at)],
                  ]}
                />
              </section>
              <Section title="Calls to the gateway" id="operations">
                <OperationsTable operations={p().operations} />
              </Section>
              <Section title="Ledger entries" id="ledger">
                <LedgerEntriesTable entries={d().ledger_entries} label="Payment ledger entries" />
              </Section>
            </div>
          )
        }}
      </AsyncView>
    </>
  )
}
