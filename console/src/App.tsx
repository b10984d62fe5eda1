// The console's frame: the router, the sign-in gate, and the layout with navigation and the
// signed-in user around every page in the route table.
import { A, type RouteDefinition, Router, type RouteSectionProps, useNavigate } from '@solidjs/router'
import { createEffect, createSignal, For, type JSX, onMount, Show } from 'solid-js'
import { Dynamic } from 'solid-js/web'
import { ErrorState, Forbidden, Loading } from './components/states.tsx'
import { CONSOLE_BASE, currentConsolePath, setUnauthenticatedHandler } from './lib/api.ts'
import { can, loadSession, session, setSession, signOut } from './lib/session.ts'
import LoginPage from './pages/login/LoginPage.tsx'
import NotFoundPage from './pages/not-found/NotFoundPage.tsx'
import { type ConsolePage, type NavSection, navSections, pages } from './routes.ts'

function loginPath(next: string): string {
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`
}

/** Inside the router: a 401 from any request comes here and goes to sign-in, remembering the page. */
function Root(props: RouteSectionProps) {
  const navigate = useNavigate()
  setUnauthenticatedHandler((next) => {
    setSession(null)
    navigate(loginPath(next))
  })
  return <>{props.children}</>
}

function PageGuard(props: { page: ConsolePage }) {
  createEffect(() => {
    document.title = `${props.page.title} · Tollgate`
  })
  return (
    <Show
      when={can(props.page.least)}
      fallback={<Forbidden detail={`${props.page.title} needs the ${props.page.least} role.`} />}
    >
      <Dynamic component={props.page.component} />
    </Show>
  )
}

function Navigation() {
  const sections = Object.keys(navSections) as NavSection[]
  const entries = (section: NavSection) => pages.filter((p) => p.nav?.section === section && can(p.least))
  return (
    <nav class="nav" aria-label="Main">
      <For each={sections}>
        {(section) => (
          <Show when={entries(section).length > 0}>
            <div class="nav-section">
              <h2 class="nav-heading">{navSections[section]}</h2>
              <ul>
                <For each={entries(section)}>
                  {(page) => (
                    <li>
                      <A href={page.path} class="nav-link" end={page.path === '/'}>
                        {page.nav?.label}
                      </A>
                    </li>
                  )}
                </For>
              </ul>
            </div>
          </Show>
        )}
      </For>
    </nav>
  )
}

function Shell(props: RouteSectionProps) {
  const navigate = useNavigate()
  const [loadError, setLoadError] = createSignal<unknown>(null)
  const [signingOut, setSigningOut] = createSignal(false)

  const load = () => {
    setLoadError(null)
    loadSession().catch(setLoadError)
  }
  onMount(() => {
    if (session() === undefined) load()
  })
  createEffect(() => {
    if (session() === null && !signingOut()) navigate(loginPath(currentConsolePath()), { replace: true })
  })

  const onSignOut = async () => {
    setSigningOut(true)
    try {
      await signOut()
    } finally {
      navigate('/login', { replace: true })
      setSigningOut(false)
    }
  }

  const fallback = (): JSX.Element =>
    loadError() ? (
      <main class="splash">
        <ErrorState error={loadError()} retry={load} />
      </main>
    ) : (
      <main class="splash">
        <Loading label="Checking your session…" rows={2} />
      </main>
    )

  return (
    <Show when={session()} fallback={fallback()}>
      {(current) => (
        <div class="shell">
          <a class="skip-link" href="#content">
            Skip to content
          </a>
          <aside class="sidebar">
            <div class="sidebar-inner">
              <div class="brand">
                <span class="brand-mark" aria-hidden="true">
                  ◆
                </span>
                Tollgate
              </div>
              <Navigation />
            </div>
          </aside>
          <div class="main-column">
            <header class="topbar">
              <span class="tenant" title="Workspace">
                {current().tenant}
              </span>
              <div class="who" data-testid="signed-in-user">
                <span class="who-name">{current().user.name}</span>
                <span class="who-email">{current().user.email}</span>
                <span class={`badge role role-${current().user.role}`}>{current().user.role}</span>
                <button type="button" class="button button-quiet" onClick={onSignOut} disabled={signingOut()}>
                  Sign out
                </button>
              </div>
            </header>
            <main id="content" class="content" tabindex="-1">
              {props.children}
            </main>
          </div>
        </div>
      )}
    </Show>
  )
}

const routes: RouteDefinition[] = [
  { path: '/login', component: LoginPage },
  {
    path: '/',
    component: Shell,
    children: [
      ...pages.map((page) => ({ path: page.path, component: () => <PageGuard page={page} /> })),
      { path: '*404', component: NotFoundPage },
    ],
  },
]

export function App() {
  return (
    <Router base={CONSOLE_BASE} root={Root}>
      {routes}
    </Router>
  )
}
