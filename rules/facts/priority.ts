// Fact priorities. Facts read from the database wait for the facts the request carries: within a
// rule the cheap conditions are tested first, and a condition that fails spares the lookups behind
// it (in replays; a live decision has read them already, in one round trip: FactSpec.prefetch).
// Calls to outside providers come last of all (providers.ts), and only when a rule gets that far.
export const DATA_FACT_PRIORITY = 5
