// PostgreSQL test databases: one per suite, cloned from a migrated template, dropped afterwards.
import postgres from 'postgres'

// One template per checkout when several run tests against one PostgreSQL at once (TOLLGATE_TEST_TEMPLATE)
export const templateName = process.env.TOLLGATE_TEST_TEMPLATE ?? 'tollgate_test_template'

export async function withAdminDb<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await work(admin)
  } finally {
    await admin.end()
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}
