// Users (admin): who may use the console and with what role; add people, change roles, disable.
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/format.ts'
import { type Role, roleDescriptions, roles } from '../../lib/roles.ts'
import { session } from '../../lib/session.ts'
import { createSubmission, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import { createUser, listUsers, type NewUser, type User, updateUser } from './api.ts'

const blank: NewUser = { email: '', name: '', role: 'viewer', password: '' }

function CreateUserForm(props: { onCreated: (user: User) => void; onCancel: () => void }) {
  const [draft, setDraft] = createSignal<NewUser>({ ...blank })
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof NewUser>(key: K, value: NewUser[K]) =>
    setDraft((d) => ({ ...d, [key]: value }))

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    void run(async () => {
      const user = await createUser({ ...draft(), email: draft().email.trim(), name: draft().name.trim() })
      setDraft({ ...blank })
      props.onCreated(user)
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="new-user">
      <header class="panel-header">
        <h2 id="new-user">Add a user</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Name"
          name="name"
          required
          maxLength={120}
          value={draft().name}
          onInput={(value) => set('name', value)}
          error={fieldError('name')}
        />
        <TextField
          label="E-mail"
          name="email"
          type="email"
          required
          value={draft().email}
          onInput={(value) => set('email', value)}
          error={fieldError('email')}
        />
        <label class="field">
          <span class="field-label">Role</span>
          <select
            name="role"
            value={draft().role}
            onChange={(e) => set('role', e.currentTarget.value as Role)}
          >
            <For each={roles}>{(role) => <option value={role}>{role}</option>}</For>
          </select>
          <span class="field-hint">{roleDescriptions[draft().role]}</span>
        </label>
        <TextField
          label="First password"
          name="password"
          type="password"
          required
          autocomplete="new-password"
          value={draft().password}
          onInput={(value) => set('password', value)}
          error={fieldError('password')}
          hint="At least 12 characters; share it privately."
        />
      </div>
      <SubmitActions
        pending={pending()}
        label="Add user"
        pendingLabel="Adding…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

function UserRow(props: { user: User; onChanged: (user: User) => void; onError: (message: string) => void }) {
  const [pending, setPending] = createSignal(false)
  const isSelf = () => session()?.user.id === props.user.id
  const change = async (patch: Parameters<typeof updateUser>[1]) => {
    setPending(true)
    try {
      props.onChanged(await updateUser(props.user.id, patch))
    } catch (failure) {
      props.onError(`${props.user.email}: ${failure instanceof Error ? failure.message : String(failure)}`)
    } finally {
      setPending(false)
    }
  }
  return (
    <tr classList={{ 'row-disabled': props.user.disabled }} data-testid={`user-${props.user.email}`}>
      <td>
        {props.user.name}
        <Show when={isSelf()}>
          <span class="muted"> (you)</span>
        </Show>
      </td>
      <td>{props.user.email}</td>
      <td>
        <select
          aria-label={`Role of ${props.user.email}`}
          value={props.user.role}
          disabled={pending() || isSelf()}
          title={isSelf() ? 'You cannot change your own role' : undefined}
          onChange={(e) => change({ role: e.currentTarget.value as Role })}
        >
          <For each={roles}>{(role) => <option value={role}>{role}</option>}</For>
        </select>
      </td>
      <td>
        <span class={`badge ${props.user.disabled ? 'status-disabled' : 'status-active'}`}>
          {props.user.disabled ? 'Disabled' : 'Active'}
        </span>
      </td>
      <td class="nowrap muted">{formatDateTime(props.user.created_at)}</td>
      <td class="actions">
        <Show when={!isSelf()}>
          <button
            type="button"
            class="button button-small"
            classList={{ 'button-danger': !props.user.disabled }}
            disabled={pending()}
            onClick={() => change({ disabled: !props.user.disabled })}
          >
            {props.user.disabled ? 'Enable' : 'Disable'}
          </button>
        </Show>
      </td>
    </tr>
  )
}

export default function UsersPage() {
  const [users, { refetch, mutate }] = createResource(listUsers)
  const [adding, setAdding] = createSignal(false)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)

  const replace = (user: User) => {
    mutate((list) => list?.map((u) => (u.id === user.id ? user : u)))
    setNotice({
      kind: 'ok',
      text: `${user.email} is now ${user.disabled ? 'disabled (signed out everywhere)' : `an active ${user.role}`}.`,
    })
  }

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Who may use the console, and what their role lets them do."
        actions={
          <Show when={!adding()}>
            <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
              Add user
            </button>
          </Show>
        }
      />
      <Notice notice={notice()} />
      <Show when={adding()}>
        <CreateUserForm
          onCancel={() => setAdding(false)}
          onCreated={(user) => {
            mutate((list) => [...(list ?? []), user].sort((a, b) => a.email.localeCompare(b.email)))
            setAdding(false)
            setNotice({ kind: 'ok', text: `Added ${user.email} as ${user.role}.` })
          }}
        />
      </Show>
      <AsyncView resource={users} retry={refetch}>
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No users yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Users">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">E-mail</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(user) => (
                      <UserRow
                        user={user}
                        onChanged={replace}
                        onError={(text) => setNotice({ kind: 'error', text })}
                      />
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}
