// The four states every page designs: loading, empty, error and forbidden, and a view that picks
// among them for a resource.
import type { Resource } from 'solid-js'
import { type Accessor, type JSX, Match, Show, Switch } from 'solid-js'
import { ApiError } from '../lib/api.ts'

export function Loading(props: { label?: string; rows?: number }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="visually-hidden">{props.label ?? 'Loading…'}</span>
      <div class="skeleton" aria-hidden="true">
        {Array.from({ length: props.rows ?? 4 }, () => (
          <div class="skeleton-row" />
        ))}
      </div>
    </div>
  )
}

export function Empty(props: { title: string; children?: JSX.Element }) {
  return (
    <div class="state state-empty">
      <p class="state-title">{props.title}</p>
      <Show when={props.children}>
        <p class="state-detail">{props.children}</p>
      </Show>
    </div>
  )
}

export function Forbidden(props: { detail?: string }) {
  return (
    <div class="state state-forbidden" role="alert">
      <p class="state-title">You don’t have access to this</p>
      <p class="state-detail">
        {props.detail ?? 'Your role does not include this page.'} Ask an administrator if you need it.
      </p>
    </div>
  )
}

export function ErrorState(props: { error: unknown; retry?: () => void }) {
  const problem = () => (props.error instanceof ApiError ? props.error : null)
  return (
    <Switch>
      <Match when={problem()?.isForbidden}>
        <Forbidden detail={problem()?.problem.detail} />
      </Match>
      <Match when={problem()?.status === 404}>
        <div class="state state-error" role="alert">
          <p class="state-title">Not found</p>
          <p class="state-detail">
            {problem()?.problem.detail ?? 'It may have been removed, or the link is wrong.'}
          </p>
        </div>
      </Match>
      <Match when={true}>
        <div class="state state-error" role="alert">
          <p class="state-title">{problem()?.problem.title ?? 'Something went wrong'}</p>
          <p class="state-detail">
            {problem()?.problem.detail ??
              (props.error instanceof Error ? props.error.message : String(props.error))}
          </p>
          <Show when={problem()?.problem.request_id}>
            {(id) => <p class="state-meta">Request id: {id()}</p>}
          </Show>
          <Show when={props.retry}>
            {(retry) => (
              <button type="button" class="button" onClick={() => retry()()}>
                Try again
              </button>
            )}
          </Show>
        </div>
      </Match>
    </Switch>
  )
}

/**
 * Shows a resource: the loading state until the first value, the error state when it fails, and
 * the children with the latest value (kept on screen while a refetch runs).
 */
export function AsyncView<T>(props: {
  resource: Resource<T>
  retry?: () => void
  loadingRows?: number
  children: (value: Accessor<NonNullable<T>>) => JSX.Element
}) {
  return (
    <Switch>
      <Match when={props.resource.state === 'errored'}>
        <ErrorState error={props.resource.error} retry={props.retry} />
      </Match>
      <Match when={props.resource.state === 'ready' || props.resource.state === 'refreshing'}>
        <Show when={props.resource.latest} fallback={<Loading rows={props.loadingRows} />}>
          {(value) => props.children(value)}
        </Show>
      </Match>
      <Match when={true}>
        <Loading rows={props.loadingRows} />
      </Match>
    </Switch>
  )
}

/** The outcome of an action, said where the page shows it: green when it went well. */
export function Notice(props: { notice: { kind: string; text: string } | null; testId?: string }) {
  return (
    <Show when={props.notice}>
      {(n) => (
        <p
          class="alert"
          classList={{ 'alert-ok': n().kind === 'ok' }}
          role="status"
          data-testid={props.testId}
        >
          {n().text}
        </p>
      )}
    </Show>
  )
}
