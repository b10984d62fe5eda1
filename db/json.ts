// JSON values for jsonb columns. postgres.js JSON-encodes a parameter bound to a jsonb column
// while PGlite takes it as text; a text parameter cast in SQL means the same on both.
import { type RawBuilder, sql } from 'kysely'

export function jsonb(value: unknown): RawBuilder<string> {
  return sql<string>`cast(${JSON.stringify(value)}::text as jsonb)`
}
