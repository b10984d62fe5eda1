// An e-mail campaign's subject and body: plain text with {{variable}} places. The set of variables
// is closed, so a typo is refused when the campaign is saved, not discovered in a customer's inbox.
import { type FieldError, fieldError } from '../http/problem.ts'

export const templateVariables = ['name', 'offer_name', 'offer_description', 'price', 'accept_url'] as const
export type TemplateVariable = (typeof templateVariables)[number]

const place = /\{\{\s*([^{}]*?)\s*\}\}/g

export function templateProblems(template: string, path: (string | number)[]): FieldError[] {
  const unknown = [...template.matchAll(place)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(templateVariables as readonly string[]).includes(name))
  return unknown.length
    ? [
        fieldError(
          path,
          `unknown variable ${unknown.map((n) => `{{${n}}}`).join(', ')}; use ${templateVariables.map((v) => `{{${v}}}`).join(', ')}`,
        ),
      ]
    : []
}

/** The template with each variable's value in its places (the template was checked when saved). */
export function renderTemplate(template: string, values: Record<TemplateVariable, string>): string {
  return template.replace(place, (whole, name: string) =>
    name in values ? values[name as TemplateVariable] : whole,
  )
}
