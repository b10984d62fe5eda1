// What a decision leaves behind for later identity checks: the mismatches it temporarily blocked,
// counted by recent_mismatches ("three within an hour become a block").

import { identityMismatchKinds } from '../../rules/facts/identity.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { FiredRule } from '../../rules/types.ts'
import type { RecordRow } from '../decision-store/store.ts'

/** The mismatch row a decision records when identity rules fired; null when none did. */
export function mismatchOf(
  tenantId: string,
  decisionId: string,
  occurredAt: Date,
  customerId: string | null,
  request: CapturedRequest,
  fired: FiredRule[],
): RecordRow<'mismatch'> | null {
  const kinds = identityMismatchKinds(fired)
  if (!kinds.length) return null
  return {
    tenant_id: tenantId,
    decision_id: decisionId,
    occurred_at: occurredAt,
    customer_id: customerId,
    phone: request.network.ani ?? request.customer.phone,
    ip: request.network.ip,
    kinds: kinds.join(','),
  }
}
