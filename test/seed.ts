/**
 * The fast-check seed the CI tests use: fixed, so that a CI verdict can be reproduced, and the
 * same for the reference and for every variant. OUTBOX_CHAOS_SEED explores other schedules.
 */
export const TEST_SEED = process.env.OUTBOX_CHAOS_SEED ? Number(process.env.OUTBOX_CHAOS_SEED) : 20261122;
