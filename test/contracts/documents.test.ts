// Both OpenAPI documents are valid OpenAPI 3.1, checked by Redocly's validator (the one
// openapi-typescript itself runs): its `struct` rule knows which keywords each object may hold, so
// it reports 3.0's `nullable` in a 3.1 document, which JSON-Schema-based validators let through.
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core'
import type { OpenAPI3 } from 'openapi-typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { type DocumentName, servedDocuments } from '../../server/http/api-types.ts'

let served: Record<DocumentName, OpenAPI3>

beforeAll(async () => {
  served = await servedDocuments()
})

async function problemsIn(document: OpenAPI3): Promise<string[]> {
  const config = await createConfig({
    extends: ['recommended-strict'],
    rules: {
      // style choices rather than validity: operations are named by method and path, and the
      // product carries no licence statement
      'operation-operationId': 'off',
      'info-license': 'off',
    },
  })
  const problems: NormalizedProblem[] = await lintFromString({
    source: JSON.stringify(document),
    absoluteRef: '/openapi.json',
    config,
  })
  return problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`)
}

describe.each(['merchant', 'admin'] as const)('the %s OpenAPI document', (name) => {
  it('is OpenAPI 3.1 with no problems', async () => {
    expect(served[name].openapi).toBe('3.1.0')
    expect(await problemsIn(served[name])).toEqual([])
  })

  it('names the real routes: full paths, served from the host that serves the document', () => {
    const prefix = name === 'merchant' ? '/v1/' : '/admin/v1/'
    const paths = Object.keys(served[name].paths ?? {})
    expect(paths.length).toBeGreaterThan(1)
    for (const path of paths) expect(path.startsWith(prefix), path).toBe(true)
    expect(served[name].servers?.map((s) => s.url)).toEqual(['/'])
  })

  it('has no named schema that is null itself, which would make every use of it nullable', () => {
    // zod's .nullable() on a registered schema changes the component; a nullable use is anyOf [ref, null]
    const nullable = Object.entries(served[name].components?.schemas ?? {})
      .filter(([, schema]) => {
        const type = (schema as { type?: unknown }).type
        return Array.isArray(type) && type.includes('null')
      })
      .map(([schemaName]) => schemaName)
    expect(nullable).toEqual([])
  })
})

describe('the validator', () => {
  it('reports a 3.0 nullable in a 3.1 document, as the documents had at components/schemas/Explanation', async () => {
    const document = structuredClone(served.merchant)
    const schemas = document.components?.schemas ?? {}
    schemas.Explanation = { type: 'object', properties: { note: { type: 'string', nullable: true } } }
    const problems = await problemsIn(document)
    expect(problems).toEqual([
      expect.stringMatching(/^struct at #\/components\/schemas\/Explanation\/properties\/note\/nullable: /),
    ])
  })

  it('reports an operation whose path parameter is not declared', async () => {
    const document = structuredClone(served.merchant)
    const paths = document.paths ?? {}
    paths['/v1/decisions/{id}/{part}'] = paths['/v1/decisions/{id}'] ?? {}
    expect((await problemsIn(document)).some((p) => p.startsWith('path-parameters-defined'))).toBe(true)
  })
})
