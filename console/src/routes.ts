// The console's pages in one table: each entry is a route, the least role that may open it, and,
// when it has `nav`, its place in the navigation. Adding a page is adding an entry here and a
// folder under pages/.
import { type Component, lazy } from 'solid-js'
import type { Role } from './lib/roles.ts'

export interface ConsolePage {
  /** relative to /console, in @solidjs/router syntax: /decisions/:id, /rule-sets/*rest */
  path: string
  /** the document title until the page sets a better one */
  title: string
  /** the least role that may open it; below that the nav hides it and the page says so */
  least: Role
  /** list it in the navigation (the entry stays current on the pages below its path) */
  nav?: { label: string; section: NavSection }
  component: Component
}

export type NavSection = 'work' | 'admin'
export const navSections: Record<NavSection, string> = { work: 'Operations', admin: 'Administration' }

export const pages: ConsolePage[] = [
  {
    path: '/',
    title: 'Dashboard',
    least: 'viewer',
    nav: { label: 'Dashboard', section: 'work' },
    component: lazy(() => import('./pages/dashboard/DashboardPage.tsx')),
  },
  {
    path: '/wallboard',
    title: 'Wallboard',
    least: 'viewer',
    nav: { label: 'Wallboard', section: 'work' },
    component: lazy(() => import('./pages/wallboard/WallboardPage.tsx')),
  },
  {
    path: '/decisions',
    title: 'Decisions',
    least: 'viewer',
    nav: { label: 'Decisions', section: 'work' },
    component: lazy(() => import('./pages/decisions/DecisionsPage.tsx')),
  },
  {
    path: '/decisions/:id',
    title: 'Decision',
    least: 'viewer',
    component: lazy(() => import('./pages/decisions/DecisionDetailPage.tsx')),
  },
  // Rule sets: the page routes its own versions, diff, simulate, backtests and shadow below it; the
  // navigation links to the bare path (an href of /rule-sets/*rest would be taken literally)
  {
    path: '/rule-sets',
    title: 'Rule sets',
    least: 'viewer',
    nav: { label: 'Rule sets', section: 'work' },
    component: lazy(() => import('./pages/rule-sets/RuleSetsPage.tsx')),
  },
  {
    path: '/rule-sets/*rest',
    title: 'Rule sets',
    least: 'viewer',
    component: lazy(() => import('./pages/rule-sets/RuleSetsPage.tsx')),
  },
  {
    path: '/reviews',
    title: 'Review desk',
    least: 'analyst',
    nav: { label: 'Review desk', section: 'work' },
    component: lazy(() => import('./pages/reviews/ReviewsPage.tsx')),
  },
  {
    path: '/reviews/:id',
    title: 'Review',
    least: 'analyst',
    component: lazy(() => import('./pages/reviews/ReviewPage.tsx')),
  },
  {
    path: '/lists',
    title: 'Lists',
    least: 'viewer',
    nav: { label: 'Lists', section: 'work' },
    component: lazy(() => import('./pages/lists/ListsPage.tsx')),
  },
  {
    path: '/sessions',
    title: 'Sessions',
    least: 'viewer',
    nav: { label: 'Sessions', section: 'work' },
    component: lazy(() => import('./pages/sessions/SessionsPage.tsx')),
  },
  {
    path: '/sessions/:id',
    title: 'Session',
    least: 'viewer',
    component: lazy(() => import('./pages/sessions/SessionDetailPage.tsx')),
  },
  {
    path: '/payments',
    title: 'Payments',
    least: 'viewer',
    nav: { label: 'Payments', section: 'work' },
    component: lazy(() => import('./pages/payments/PaymentsPage.tsx')),
  },
  {
    path: '/payments/:id',
    title: 'Payment',
    least: 'viewer',
    component: lazy(() => import('./pages/payments/PaymentDetailPage.tsx')),
  },
  {
    path: '/ledger',
    title: 'Ledger',
    least: 'viewer',
    nav: { label: 'Ledger', section: 'work' },
    component: lazy(() => import('./pages/ledger/LedgerPage.tsx')),
  },
  {
    path: '/representatives',
    title: 'Representatives',
    least: 'viewer',
    nav: { label: 'Representatives', section: 'work' },
    component: lazy(() => import('./pages/representatives/RepresentativesPage.tsx')),
  },
  {
    path: '/phones',
    title: 'Representatives’ phones',
    least: 'viewer',
    nav: { label: 'Phones and queues', section: 'work' },
    component: lazy(() => import('./pages/telephony/RepresentativesTelephonyPage.tsx')),
  },
  {
    path: '/payouts',
    title: 'Payouts',
    least: 'analyst',
    nav: { label: 'Payouts', section: 'work' },
    component: lazy(() => import('./pages/payouts/PayoutsPage.tsx')),
  },
  {
    path: '/offers',
    title: 'Offers',
    least: 'viewer',
    nav: { label: 'Offers', section: 'work' },
    component: lazy(() => import('./pages/offers/OffersPage.tsx')),
  },
  {
    path: '/offers/:id',
    title: 'Offer',
    least: 'viewer',
    component: lazy(() => import('./pages/offers/OfferPage.tsx')),
  },
  {
    path: '/take-rates',
    title: 'Take rates',
    least: 'viewer',
    nav: { label: 'Take rates', section: 'work' },
    component: lazy(() => import('./pages/take-rates/TakeRatesPage.tsx')),
  },
  {
    path: '/service-lines',
    title: 'Service lines',
    least: 'viewer',
    nav: { label: 'Service lines', section: 'admin' },
    component: lazy(() => import('./pages/service-lines/ServiceLinesPage.tsx')),
  },
  {
    path: '/phone-numbers',
    title: 'Phone numbers and lines',
    least: 'viewer',
    nav: { label: 'Phone numbers and lines', section: 'admin' },
    component: lazy(() => import('./pages/telephony/LinesTelephonyPage.tsx')),
  },
  {
    path: '/webhooks',
    title: 'Webhooks',
    least: 'admin',
    nav: { label: 'Webhooks', section: 'admin' },
    component: lazy(() => import('./pages/webhooks/WebhooksPage.tsx')),
  },
  {
    path: '/payments-settings',
    title: 'Payments settings',
    least: 'admin',
    nav: { label: 'Payments settings', section: 'admin' },
    component: lazy(() => import('./pages/payment-settings/PaymentSettingsPage.tsx')),
  },
  {
    path: '/users',
    title: 'Users',
    least: 'admin',
    nav: { label: 'Users', section: 'admin' },
    component: lazy(() => import('./pages/users/UsersPage.tsx')),
  },
  {
    path: '/audit',
    title: 'Audit log',
    least: 'admin',
    nav: { label: 'Audit log', section: 'admin' },
    component: lazy(() => import('./pages/audit/AuditPage.tsx')),
  },
]
