// What a decision leaves behind for later identity checks: the mismatches it temporarily blocked,
// counted by recent_mismatches ("three within an hour become a block").

import { identityMismatchKinds } from '../../rules/facts/identity.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { FiredRule } from '../../rules/types.ts'
import type { WriteBatch } from '../writes.ts'

export function recordMismatches(
  writes: WriteBatch,
  tenantId: string,
  decisionId: string,
  occurredAt: Date,
  customerId: string | null,
  request: CapturedRequest,
  fired: FiredRule[],
): void {
  const kinds = identityMismatchKinds(fired)
  if (!kinds.length) return
  writes.add('mismatch', {
    tenant_id: tenantId,
    decision_id: decisionId,
    occurred_at: occurredAt,
    customer_id: customerId,
    phone: request.network.ani ?? request.customer.phone,
    ip: request.network.ip,
    kinds: kinds.join(','),
  })
}
