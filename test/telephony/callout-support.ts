// Call-out journeys: the campaigns' real queue (services.campaigns), with what each report said kept
// in order so a journey can wait for its contact's.
import type { CallOutContact, CallOutQueue, CallOutResult } from '../../server/campaigns/types.ts'

export interface Reported {
  contact: CallOutContact
  result: CallOutResult
}

export function recordingQueue(queue: CallOutQueue): CallOutQueue & { reported: Reported[] } {
  const reported: Reported[] = []
  return {
    reported,
    claimDue: (bridgeId, limit, now) => queue.claimDue(bridgeId, limit, now),
    async report(contact, result, now) {
      // recorded once the queue has written it, so a journey that sees it may read the rows
      await queue.report(contact, result, now)
      reported.push({ contact, result })
    },
  }
}
