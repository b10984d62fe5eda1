// FreeSWITCH never leaves the caller number empty (switch_caller_profile_new puts 0000000000 there),
// and hidden or carrier-withheld numbers arrive as words: all of them mean "no ANI".
const absent = new Set(['', '0000000000', 'anonymous', 'unknown', 'restricted', 'private', '_undef_'])

export function aniOf(callerNumber: string | undefined): string | undefined {
  const trimmed = callerNumber?.trim() ?? ''
  return absent.has(trimmed.toLowerCase()) ? undefined : trimmed
}
