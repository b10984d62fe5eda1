// Pieces the Sessions, Payments and Ledger pages share: a payment's state as a badge, the calls
// made to the gateway for it, and a table of ledger entries.
import { A } from '@solidjs/router'
import { For, Show } from 'solid-js'
import { formatDateTime, formatMoney, formatShortDateTime } from '../../lib/format.ts'
import type { LedgerEntry, PaymentOperation } from './api.ts'
import {
  accountLabel,
  declineInWords,
  ledgerKindLabel,
  operationLabel,
  operationStatusLabel,
  paymentStatusLabel,
  paymentStatusTone,
} from './words.ts'
import './money.css'

export function PaymentStatusBadge(props: { status: string }) {
  return (
    <span class={`badge money-${paymentStatusTone(props.status)}`} data-status={props.status}>
      {paymentStatusLabel(props.status)}
    </span>
  )
}

/** Every call made to the gateway for one payment, oldest first, with the key each retry reuses. */
export function OperationsTable(props: { operations: PaymentOperation[]; label?: string }) {
  return (
    <Show
      when={props.operations.length > 0}
      fallback={<p class="muted">No calls were made to the gateway.</p>}
    >
      <table class="table table-compact" aria-label={props.label ?? 'Gateway calls'}>
        <thead>
          <tr>
            <th scope="col">Sent</th>
            <th scope="col">Call</th>
            <th scope="col" class="num">
              Amount
            </th>
            <th scope="col">Result</th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col">Idempotency key</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.operations}>
            {(op) => (
              <tr data-testid="gateway-call">
                <td class="nowrap" title={formatDateTime(op.created_at)}>
                  {formatShortDateTime(op.created_at)}
                </td>
                <td>{operationLabel(op.operation)}</td>
                <td class="num nowrap">{op.amount.value ? formatMoney(op.amount) : '—'}</td>
                <td>
                  <div class="cell-lines">
                    <span>{operationStatusLabel(op.status)}</span>
                    <Show when={declineInWords(op.decline_code) ?? op.message}>
                      {(why) => <span class="muted">{why()}</span>}
                    </Show>
                  </div>
                </td>
                <td class="num">{op.attempts}</td>
                <td class="mono muted">{op.idempotency_key}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  )
}

/** Ledger entries grouped visually by transaction: debits and credits side by side. */
export function LedgerEntriesTable(props: {
  entries: LedgerEntry[]
  label?: string
  /** link each entry's payment and session (off on the pages of that payment or session) */
  links?: boolean
}) {
  return (
    <Show when={props.entries.length > 0} fallback={<p class="muted">No ledger entries.</p>}>
      <div class="table-wrap">
        <table class="table table-compact" aria-label={props.label ?? 'Ledger entries'}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">What</th>
              <th scope="col">Account</th>
              <th scope="col" class="num">
                Debit
              </th>
              <th scope="col" class="num">
                Credit
              </th>
              <th scope="col">Transaction</th>
              <Show when={props.links}>
                <th scope="col">For</th>
              </Show>
            </tr>
          </thead>
          <tbody>
            <For each={props.entries}>
              {(entry, index) => (
                <tr
                  data-testid="ledger-entry"
                  classList={{
                    'ledger-new-transaction':
                      index() > 0 && props.entries[index() - 1]?.transaction_id !== entry.transaction_id,
                  }}
                >
                  <td class="nowrap" title={formatDateTime(entry.at)}>
                    {formatShortDateTime(entry.at)}
                  </td>
                  <td>
                    <div class="cell-lines">
                      <span>{ledgerKindLabel(entry.kind)}</span>
                      <Show when={entry.memo}>
                        <span class="muted">{entry.memo}</span>
                      </Show>
                    </div>
                  </td>
                  <td title={entry.account}>{accountLabel(entry.account)}</td>
                  <td class="num nowrap">
                    {entry.debit ? formatMoney({ value: entry.debit, currency: entry.currency }) : ''}
                  </td>
                  <td class="num nowrap">
                    {entry.credit ? formatMoney({ value: entry.credit, currency: entry.currency }) : ''}
                  </td>
                  <td class="mono muted">{entry.transaction_id}</td>
                  <Show when={props.links}>
                    <td>
                      <div class="cell-lines">
                        <Show when={entry.session_id}>
                          {(id) => <A href={`/sessions/${encodeURIComponent(id())}`}>Session {id()}</A>}
                        </Show>
                        <Show when={entry.payment_id}>
                          {(id) => <A href={`/payments/${encodeURIComponent(id())}`}>Payment {id()}</A>}
                        </Show>
                      </div>
                    </td>
                  </Show>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </Show>
  )
}
