// The rule-set version lifecycle: draft → edit → validate → publish (immutable) → activate, roll
// back, archive. Each change locks its rule set's row, so numbering, publishing and the active
// pointer never race, and writes its audit entry in the same transaction.
import type { Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { Database, RuleSet, RuleSetVersionRow } from '../../db/schema.ts'
import { type Problem, validateDefinition } from '../../rules/validate.ts'
import { recordAudit } from '../audit/audit.ts'
import { fieldError, ProblemError } from '../http/problem.ts'
import { roleAtLeast } from '../staff/roles.ts'
import type { StaffIdentity } from '../staff/sessions.ts'

type Trx = Transaction<Database>

export type StoredStatus = 'draft' | 'published' | 'archived'
/** What staff see: a published version is shown as active or shadow while it runs as one */
export type ShownStatus = StoredStatus | 'active' | 'shadow'

export interface Person {
  id: string
  email: string | null
}

export interface VersionSummary {
  version: number
  status: ShownStatus
  based_on: number | null
  created_by: Person | null
  created_at: string
  last_edited_by: Person | null
  updated_at: string
  published_by: Person | null
  published_at: string | null
}

export interface RuleSetSummary {
  id: string
  name: string
  description: string
  four_eyes: boolean
  active_version: number | null
  shadow_version: number | null
  /** this rule set's active version decides the tenant's live authorizations */
  decides_authorizations: boolean
  versions: { total: number; draft: number; published: number; archived: number }
  created_at: string
  updated_at: string
}

export function shownStatus(
  version: Pick<RuleSetVersionRow, 'version' | 'status'>,
  ruleSet: Pick<RuleSet, 'active_version' | 'shadow_version'>,
): ShownStatus {
  if (version.status === 'published') {
    if (ruleSet.active_version === version.version) return 'active'
    if (ruleSet.shadow_version === version.version) return 'shadow'
  }
  return version.status as StoredStatus
}

const actorOf = (staff: StaffIdentity) => ({ id: staff.userId, email: staff.email })

function audit(
  trx: Trx,
  staff: StaffIdentity,
  ruleSetId: string,
  action: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  // Every entry of a rule set, versions included, is filed under the rule set: its history is one query.
  return recordAudit(trx, staff.tenantId, actorOf(staff), {
    action,
    entityType: 'rule_set',
    entityId: ruleSetId,
    before,
    after,
  })
}

export function problemsToErrors(problems: Problem[]) {
  return problems.map((p) => fieldError(p.path, p.message))
}

async function findRuleSet(db: Db, tenantId: string, id: string, lock: boolean): Promise<RuleSet> {
  const row = await db
    .selectFrom('rule_sets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No rule set ${id}`)
  return row
}

async function findVersion(
  db: Db,
  tenantId: string,
  id: string,
  version: number,
  lock: boolean,
): Promise<RuleSetVersionRow> {
  const row = await db
    .selectFrom('rule_set_versions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('rule_set_id', '=', id)
    .where('version', '=', version)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `Rule set ${id} has no version ${version}`)
  return row
}

async function people(db: Db, tenantId: string, ids: (string | null)[]): Promise<Map<string, Person>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))]
  const rows = wanted.length
    ? await db
        .selectFrom('users')
        .select(['id', 'email'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', wanted)
        .execute()
    : []
  const byId = new Map<string, Person>(wanted.map((id) => [id, { id, email: null }]))
  for (const row of rows) byId.set(row.id, { id: row.id, email: row.email })
  return byId
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function summarizeVersions(rows: RuleSetVersionRow[], ruleSet: RuleSet, who: Map<string, Person>) {
  const person = (id: string | null) => (id === null ? null : (who.get(id) ?? { id, email: null }))
  return rows.map(
    (v): VersionSummary => ({
      version: v.version,
      status: shownStatus(v, ruleSet),
      based_on: v.based_on,
      created_by: person(v.created_by),
      created_at: v.created_at.toISOString(),
      last_edited_by: person(v.last_edited_by),
      updated_at: v.updated_at.toISOString(),
      published_by: person(v.published_by),
      published_at: iso(v.published_at),
    }),
  )
}

export async function listRuleSets(db: Db, tenantId: string): Promise<RuleSetSummary[]> {
  const tenant = await db
    .selectFrom('tenants')
    .select('decision_rule_set_id')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
  const rows = await db
    .selectFrom('rule_sets as rs')
    .leftJoin('rule_set_versions as v', (j) =>
      j.onRef('v.tenant_id', '=', 'rs.tenant_id').onRef('v.rule_set_id', '=', 'rs.id'),
    )
    .selectAll('rs')
    .select((eb) => [
      eb.fn.count<string>('v.version').as('total'),
      eb.fn.count<string>('v.version').filterWhere('v.status', '=', 'draft').as('drafts'),
      eb.fn.count<string>('v.version').filterWhere('v.status', '=', 'published').as('published'),
      eb.fn.count<string>('v.version').filterWhere('v.status', '=', 'archived').as('archived'),
    ])
    .where('rs.tenant_id', '=', tenantId)
    .groupBy(['rs.tenant_id', 'rs.id'])
    .orderBy('rs.id')
    .execute()
  return rows.map((r) => ({
    ...ruleSetFields(r, tenant?.decision_rule_set_id ?? null),
    versions: {
      total: Number(r.total),
      draft: Number(r.drafts),
      published: Number(r.published),
      archived: Number(r.archived),
    },
  }))
}

function ruleSetFields(r: RuleSet, decidingId: string | null) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    four_eyes: r.four_eyes,
    active_version: r.active_version,
    shadow_version: r.shadow_version,
    decides_authorizations: decidingId === r.id,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  }
}

export async function ruleSetDetail(db: Db, tenantId: string, id: string) {
  const ruleSet = await findRuleSet(db, tenantId, id, false)
  const tenant = await db
    .selectFrom('tenants')
    .select('decision_rule_set_id')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
  const versions = await db
    .selectFrom('rule_set_versions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('rule_set_id', '=', id)
    .orderBy('version', 'desc')
    .execute()
  const who = await people(
    db,
    tenantId,
    versions.flatMap((v) => [v.created_by, v.last_edited_by, v.published_by]),
  )
  return {
    ...ruleSetFields(ruleSet, tenant?.decision_rule_set_id ?? null),
    versions: summarizeVersions(versions, ruleSet, who),
  }
}

export async function versionDetail(db: Db, tenantId: string, id: string, version: number) {
  const ruleSet = await findRuleSet(db, tenantId, id, false)
  const row = await findVersion(db, tenantId, id, version, false)
  const who = await people(db, tenantId, [row.created_by, row.last_edited_by, row.published_by])
  const [summary] = summarizeVersions([row], ruleSet, who)
  const validation = validateDefinition(row.definition)
  return {
    rule_set_id: id,
    ...(summary as VersionSummary),
    definition: row.definition,
    valid: validation.ok,
    problems: validation.ok ? [] : problemsToErrors(validation.problems),
  }
}

/** The stored definition of a version, for diffs and simulation. */
export async function versionDefinition(db: Db, tenantId: string, id: string, version: number) {
  const ruleSet = await findRuleSet(db, tenantId, id, false)
  const row = await findVersion(db, tenantId, id, version, false)
  return { status: shownStatus(row, ruleSet), definition: row.definition }
}

export async function createRuleSet(
  db: Db,
  staff: StaffIdentity,
  input: {
    id: string
    name: string
    description: string
    four_eyes: boolean
    /** version 1's document; absent, an empty one with these settings */
    definition?: unknown
    settings?: Record<string, unknown> | undefined
  },
) {
  const tenantId = staff.tenantId
  await db.transaction().execute(async (trx) => {
    const tenant = await trx
      .selectFrom('tenants')
      .select('default_currency')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow()
    const definition = input.definition ?? {
      settings: input.settings ?? { currency: tenant.default_currency },
      rules: [],
    }
    const taken = await trx
      .selectFrom('rule_sets')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', input.id)
      .executeTakeFirst()
    if (taken) throw new ProblemError('conflict', `A rule set with id ${input.id} already exists.`)
    await trx
      .insertInto('rule_sets')
      .values({
        tenant_id: tenantId,
        id: input.id,
        name: input.name,
        description: input.description,
        four_eyes: input.four_eyes,
        active_version: null,
      })
      .execute()
    await trx
      .insertInto('rule_set_versions')
      .values({
        tenant_id: tenantId,
        rule_set_id: input.id,
        version: 1,
        status: 'draft',
        definition: jsonb(definition),
        created_by: staff.userId,
        last_edited_by: staff.userId,
      })
      .execute()
    await audit(trx, staff, input.id, 'rule_set.created', null, {
      name: input.name,
      description: input.description,
      four_eyes: input.four_eyes,
      version: 1,
      definition,
    })
  })
  return ruleSetDetail(db, tenantId, input.id)
}

export async function updateRuleSet(
  db: Db,
  staff: StaffIdentity,
  id: string,
  patch: { name?: string | undefined; description?: string | undefined; four_eyes?: boolean | undefined },
) {
  await db.transaction().execute(async (trx) => {
    const before = await findRuleSet(trx, staff.tenantId, id, true)
    // four eyes guards publishing from publishers themselves, so only an admin may switch it
    if (
      patch.four_eyes !== undefined &&
      patch.four_eyes !== before.four_eyes &&
      !roleAtLeast(staff.role, 'admin')
    )
      throw new ProblemError(
        'forbidden',
        `Only an admin may switch four-eyes publishing on or off; you are ${staff.role}.`,
      )
    const after = {
      name: patch.name ?? before.name,
      description: patch.description ?? before.description,
      four_eyes: patch.four_eyes ?? before.four_eyes,
    }
    await trx
      .updateTable('rule_sets')
      .set({ ...after, updated_at: new Date() })
      .where('tenant_id', '=', staff.tenantId)
      .where('id', '=', id)
      .execute()
    await audit(
      trx,
      staff,
      id,
      'rule_set.updated',
      { name: before.name, description: before.description, four_eyes: before.four_eyes },
      after,
    )
  })
  return ruleSetDetail(db, staff.tenantId, id)
}

export async function createDraft(db: Db, staff: StaffIdentity, id: string, fromVersion: number | undefined) {
  const version = await db.transaction().execute(async (trx) => {
    const ruleSet = await findRuleSet(trx, staff.tenantId, id, true)
    const from = fromVersion ?? ruleSet.active_version
    if (from === null)
      throw new ProblemError(
        'validation_failed',
        'from_version: this rule set has no active version; name the version to copy',
        [fieldError(['from_version'], 'is required when the rule set has no active version')],
      )
    // the copy keeps every rule's id, so diffs, backtests and reports match rules across versions
    const source = await findVersion(trx, staff.tenantId, id, from, false)
    const last = await trx
      .selectFrom('rule_set_versions')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('tenant_id', '=', staff.tenantId)
      .where('rule_set_id', '=', id)
      .executeTakeFirst()
    const next = Number(last?.max ?? 0) + 1
    await trx
      .insertInto('rule_set_versions')
      .values({
        tenant_id: staff.tenantId,
        rule_set_id: id,
        version: next,
        status: 'draft',
        definition: jsonb(source.definition),
        created_by: staff.userId,
        last_edited_by: staff.userId,
        based_on: from,
      })
      .execute()
    await audit(trx, staff, id, 'rule_set_version.created', null, {
      version: next,
      status: 'draft',
      based_on: from,
    })
    return next
  })
  return versionDetail(db, staff.tenantId, id, version)
}

function refuseUnlessDraft(row: RuleSetVersionRow, doing: string): void {
  if (row.status !== 'draft')
    throw new ProblemError(
      'immutable',
      `Version ${row.version} is ${row.status}; ${doing} only a draft. Create a new draft from it instead.`,
    )
}

export async function editDraft(
  db: Db,
  staff: StaffIdentity,
  id: string,
  version: number,
  definition: unknown,
) {
  await db.transaction().execute(async (trx) => {
    await findRuleSet(trx, staff.tenantId, id, true)
    const before = await findVersion(trx, staff.tenantId, id, version, true)
    refuseUnlessDraft(before, 'you can edit')
    // stored even when invalid: a draft may be work in progress; publishing is where validity is enforced
    await trx
      .updateTable('rule_set_versions')
      .set({ definition: jsonb(definition), last_edited_by: staff.userId, updated_at: new Date() })
      .where('tenant_id', '=', staff.tenantId)
      .where('rule_set_id', '=', id)
      .where('version', '=', version)
      .execute()
    await audit(
      trx,
      staff,
      id,
      'rule_set_version.edited',
      { version, definition: before.definition, last_edited_by: before.last_edited_by },
      { version, definition, last_edited_by: staff.userId },
    )
  })
  return versionDetail(db, staff.tenantId, id, version)
}

export async function publishVersion(db: Db, staff: StaffIdentity, id: string, version: number) {
  await db.transaction().execute(async (trx) => {
    const ruleSet = await findRuleSet(trx, staff.tenantId, id, true)
    const draft = await findVersion(trx, staff.tenantId, id, version, true)
    refuseUnlessDraft(draft, 'you can publish')
    const validation = validateDefinition(draft.definition)
    if (!validation.ok)
      throw new ProblemError(
        'invalid_rule_set',
        `Version ${version} has ${validation.problems.length} problem(s); fix them before publishing.`,
        problemsToErrors(validation.problems),
      )
    if (ruleSet.four_eyes && draft.last_edited_by === staff.userId)
      throw new ProblemError(
        'four_eyes',
        `Rule set ${id} needs four eyes: you edited version ${version} last, so another publisher must publish it.`,
      )
    const now = new Date()
    // the validated document, defaults filled in, is what the version means from now on
    await trx
      .updateTable('rule_set_versions')
      .set({
        status: 'published',
        definition: jsonb(validation.definition),
        published_at: now,
        published_by: staff.userId,
        updated_at: now,
      })
      .where('tenant_id', '=', staff.tenantId)
      .where('rule_set_id', '=', id)
      .where('version', '=', version)
      .execute()
    await audit(
      trx,
      staff,
      id,
      'rule_set_version.published',
      { version, status: 'draft', last_edited_by: draft.last_edited_by },
      { version, status: 'published', published_by: staff.userId, published_at: now.toISOString() },
    )
  })
  return versionDetail(db, staff.tenantId, id, version)
}

/** Points the rule set at a published version. A rollback is the same swap, audited as one. */
export async function activateVersion(
  db: Db,
  staff: StaffIdentity,
  id: string,
  version: number,
  action: 'rule_set.activated' | 'rule_set.rolled_back',
) {
  await db.transaction().execute(async (trx) => {
    const ruleSet = await findRuleSet(trx, staff.tenantId, id, true)
    const target = await findVersion(trx, staff.tenantId, id, version, false)
    if (target.status !== 'published')
      throw new ProblemError(
        'conflict',
        `Version ${version} is ${target.status}; only a published version can be activated.`,
      )
    if (ruleSet.active_version === version) {
      if (action === 'rule_set.rolled_back')
        throw new ProblemError(
          'conflict',
          `Version ${version} is already active; roll back to an earlier one.`,
        )
      return
    }
    const tenant = await trx
      .selectFrom('tenants')
      .select('decision_rule_set_id')
      .where('tenant_id', '=', staff.tenantId)
      .forUpdate()
      .executeTakeFirstOrThrow()
    // a version running in shadow that becomes active has nothing left to be compared with
    const shadow = ruleSet.shadow_version === version ? null : ruleSet.shadow_version
    await trx
      .updateTable('rule_sets')
      .set({ active_version: version, shadow_version: shadow, updated_at: new Date() })
      .where('tenant_id', '=', staff.tenantId)
      .where('id', '=', id)
      .execute()
    // A tenant's first activated rule set starts deciding its authorizations.
    const decides = tenant.decision_rule_set_id ?? id
    if (tenant.decision_rule_set_id === null)
      await trx
        .updateTable('tenants')
        .set({ decision_rule_set_id: id })
        .where('tenant_id', '=', staff.tenantId)
        .execute()
    await audit(
      trx,
      staff,
      id,
      action,
      {
        active_version: ruleSet.active_version,
        shadow_version: ruleSet.shadow_version,
        decides_authorizations: tenant.decision_rule_set_id === id,
      },
      { active_version: version, shadow_version: shadow, decides_authorizations: decides === id },
    )
  })
  return ruleSetDetail(db, staff.tenantId, id)
}

export async function archiveVersion(db: Db, staff: StaffIdentity, id: string, version: number) {
  await db.transaction().execute(async (trx) => {
    const ruleSet = await findRuleSet(trx, staff.tenantId, id, true)
    const row = await findVersion(trx, staff.tenantId, id, version, true)
    if (row.status === 'archived')
      throw new ProblemError('conflict', `Version ${version} is already archived.`)
    if (ruleSet.active_version === version || ruleSet.shadow_version === version)
      throw new ProblemError(
        'conflict',
        `Version ${version} is the ${ruleSet.active_version === version ? 'active' : 'shadow'} version; activate or shadow another one first.`,
      )
    await trx
      .updateTable('rule_set_versions')
      .set({ status: 'archived', updated_at: new Date() })
      .where('tenant_id', '=', staff.tenantId)
      .where('rule_set_id', '=', id)
      .where('version', '=', version)
      .execute()
    await audit(
      trx,
      staff,
      id,
      'rule_set_version.archived',
      { version, status: row.status },
      { version, status: 'archived' },
    )
  })
  return versionDetail(db, staff.tenantId, id, version)
}
