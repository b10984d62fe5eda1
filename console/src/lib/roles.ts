// Staff roles, each including the rights of those before it (the server's order, repeated here
// because the console talks to the server over HTTP only).
export const roles = ['viewer', 'analyst', 'editor', 'publisher', 'admin'] as const
export type Role = (typeof roles)[number]

export function roleAtLeast(role: Role, least: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(least)
}

export const roleDescriptions: Record<Role, string> = {
  viewer: 'reads decisions and the dashboard',
  analyst: 'also runs simulations and backtests',
  editor: 'also drafts rule sets',
  publisher: 'also publishes and activates rule sets',
  admin: 'also manages users and reads the audit log',
}
