import fc from 'fast-check';
import type { Role } from '../../sut/definition.ts';
import { healOnce, resolveTarget, type FaultKind, type FaultLimits, type ProcessTarget } from '../types.ts';

const target = (limits: FaultLimits) =>
  limits.roles?.length
    ? fc.record({ role: fc.constantFrom(...(limits.roles as Role[])), replica: fc.integer({ min: 0, max: 2 }) })
    : undefined;

/** kill -9 of one SUT process; it is restarted when the window ends. */
export const kill: FaultKind<ProcessTarget, 'process'> = {
  name: 'kill',
  colour: '#9467bd',
  lane: 'process',
  repeatable: true,
  params: target,
  describe: (p) => `kill -9 ${p.role}#${p.replica}`,
  async start(ctx, p) {
    const name = resolveTarget(ctx.cluster, p);
    await ctx.cluster.kill(name);
    return {
      heal: healOnce(async () => {
        if (!ctx.cluster.isRunning(name)) await ctx.cluster.restart(name);
      }),
      affects: [`process:${name}`],
    };
  },
};

/** SIGSTOP of one SUT process (a GC pause, a frozen VM); SIGCONT when the window ends. */
export const pause: FaultKind<ProcessTarget, 'process'> = {
  name: 'pause',
  colour: '#8c564b',
  lane: 'process',
  repeatable: true,
  params: target,
  describe: (p) => `pause ${p.role}#${p.replica}`,
  async start(ctx, p) {
    const name = resolveTarget(ctx.cluster, p);
    ctx.cluster.pause(name);
    return { heal: healOnce(() => ctx.cluster.resume(name)), affects: [`process:${name}`] };
  },
};
