// The data the identity, institution and payment checks read, as FactSources methods. Each is
// optional: sources that lack one (a simulation without data, an older replay) answer "unknown".
// Implementations answer as of the decision time, as every fact source does.
import type { PaymentVerification } from '../payment-checks.ts'
import type { CapturedRequest } from '../request.ts'

export const institutionCategories = [
  'pay_phone',
  'prison',
  'hospital',
  'school',
  'pbx',
  'cellular',
  'government',
  'commercial',
  'no_ani_area',
] as const
export type InstitutionCategory = (typeof institutionCategories)[number]

export type ReferenceKind = 'phone_prefix' | 'ip_range'

export const mismatchSubjects = ['customer', 'phone', 'ip'] as const
export type MismatchSubject = (typeof mismatchSubjects)[number]

export interface BinInfo {
  /** ISO 3166 alpha-2, or null when the reference data does not say */
  country: string | null
  /** credit | debit | prepaid */
  funding: string
}

export interface CheckSources {
  /** The category of the longest phone prefix, or the narrowest IP range, that holds the value. */
  referenceCategory?(kind: ReferenceKind, value: string): Promise<string | null>
  /** What the reference data knows of the longest BIN prefix of this card. */
  binInfo?(bin: string): Promise<BinInfo | null>
  /** The device id was tied to this customer before this time. */
  deviceSeenBefore?(customerId: string, deviceId: string, before: Date): Promise<boolean>
  /**
   * The customer was approved before this time: an earlier decision of theirs was approved (or
   * limited, which passes every check), or a reviewer approved one before this time.
   */
  customerVerified?(customerId: string, before: Date): Promise<boolean>
  /** Earlier decisions of this subject temporarily blocked for an identity mismatch since this time. */
  recentMismatches?(subject: MismatchSubject, value: string, since: Date): Promise<number>
  /**
   * The gateway's AVS, CVC and name answer for the request's card: live, the gateway is asked (once
   * per decision, only when a rule reads one of these facts); a replay reads what was recorded.
   */
  paymentVerification?(request: CapturedRequest, at: Date): Promise<PaymentVerification | null>
}
