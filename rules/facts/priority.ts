// Fact priorities. Facts read from the database wait for the facts the request carries: within a
// rule the cheap conditions are tested first, and a condition that fails spares the queries behind
// it. Calls to outside providers come last of all (providers.ts).
export const DATA_FACT_PRIORITY = 5
