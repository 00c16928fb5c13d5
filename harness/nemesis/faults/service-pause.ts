import fc from 'fast-check';
import { KAFKA_EXCLUSIVE } from '../kafka-cluster.ts';
import { healOnce, type FaultKind } from '../types.ts';

export interface ServicePauseParams {
  readonly service: 'kafka' | 'postgres';
}

const LABELS: Record<ServicePauseParams['service'], string> = {
  kafka: 'the Kafka broker',
  postgres: 'PostgreSQL (postmaster and backends)',
};

/**
 * Freezes a piece of infrastructure for the window and thaws it at the end, as a long GC pause or
 * a stalled VM would: unlike a restart, connections stay open and nothing is refused, every
 * request simply hangs. Clients time out, retry and give up on a server that later carries on
 * where it stood, so the fault hunts for acknowledgements misread under a timeout.
 */
export const servicePause: FaultKind<ServicePauseParams, 'service'> = {
  name: 'service-pause',
  colour: '#aec7e8',
  lane: 'service',
  repeatable: true,
  exclusive: (p) => (p.service === 'kafka' ? KAFKA_EXCLUSIVE : undefined),
  params: () => fc.record({ service: fc.constantFrom('kafka' as const, 'postgres' as const) }),
  describe: (p) => `freeze ${LABELS[p.service]}`,
  async start(ctx, p) {
    const target = ctx.stack[p.service];
    await target.pause();
    return { heal: healOnce(() => target.resume()), affects: [`service:${p.service}`] };
  },
};
