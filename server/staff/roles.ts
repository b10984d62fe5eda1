// Staff roles, each including the rights of those before it.
export const roles = ['viewer', 'analyst', 'editor', 'publisher', 'admin'] as const
export type Role = (typeof roles)[number]

export function roleAtLeast(role: string, least: Role): boolean {
  const rank = roles.indexOf(role as Role)
  return rank >= 0 && rank >= roles.indexOf(least)
}
