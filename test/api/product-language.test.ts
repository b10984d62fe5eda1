// Texts a business user reads speak the product's language: the fact catalog, the demo rule set and
// both OpenAPI documents carry no references to the source documents' figures and steps
// ("figure 10, step 1016", "figure 4, block 401"). Those belong, if anywhere, in code comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { externalVerificationRules } from '../../server/providers/demo.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { staffClient } from '../support/staff.ts'

const documentReference = /\bfig(?:ure)?s?\.?\s*\d+|\bsteps?\s+1\d{3}\b|\bblocks?\s+4\d{2}\b/gi

/** Each reference with a little of the text around it, so a failure says where it is. */
function referencesIn(text: string): string[] {
  return [...text.matchAll(documentReference)].map((m) =>
    text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 20),
  )
}

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

describe('texts shown to users', () => {
  it('the check itself finds the references it is meant to find', () => {
    expect(referencesIn('Protects callers (figure 4, block 401)')).toHaveLength(2)
    expect(referencesIn('verified (figure 10, steps 1014–1016); otherwise step 1017')).toHaveLength(3)
    expect(referencesIn('Reload the figures; block 3 numbers')).toEqual([])
  })

  it('the fact catalog and event types the rule builder shows have none', async () => {
    const viewer = await staffClient(t, 'acme', 'viewer')
    const res = await viewer.request('GET', '/admin/v1/facts')
    expect(res.status).toBe(200)
    const catalog = (await res.json()) as { facts: { description: string }[]; events: unknown[] }
    expect(catalog.facts.length).toBeGreaterThan(20)
    expect(referencesIn(JSON.stringify(catalog))).toEqual([])
  })

  it('the demo rule set (names, descriptions, messages) has none', () => {
    const demo = JSON.stringify({ demoRuleSet, externalVerificationRules })
    expect(demo).toContain('Protects callers against excess usage and billing')
    expect(referencesIn(demo)).toEqual([])
  })

  it('neither OpenAPI document has any', async () => {
    for (const path of ['/v1/openapi.json', '/admin/v1/openapi.json']) {
      const res = await t.app.request(path)
      expect(res.status, path).toBe(200)
      const doc = await res.text()
      expect(doc.length, path).toBeGreaterThan(10_000)
      expect(referencesIn(doc), path).toEqual([])
    }
  })
})
