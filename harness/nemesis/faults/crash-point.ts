import fc from 'fast-check';
import type { Role } from '../../sut/definition.ts';
import { healOnce, resolveTarget, type FaultKind, type ProcessTarget } from '../types.ts';

export interface CrashPointParams extends ProcessTarget {
  readonly point: string;
  /** Fires at this pass through the point. */
  readonly pass: number;
}

/**
 * Arms a named crash point of the SUT (declared in its definition) in one process, which SIGKILLs
 * itself when it gets there (see SutCluster.arm). The supervisor brings it back unarmed; healing
 * disarms it if it never fired. It stays armed until it fires or the load ends (a cycle re-arms it
 * after the restart, within the window): armed only for a cycle's down time, 100 ms or so, a point
 * that a consumer passes once per fetched batch mostly lapsed unfired, and armed only for its
 * window, one that fell while its target had nothing to do did nothing.
 */
export const crashPoint: FaultKind<CrashPointParams, 'process'> = {
  name: 'crash-point',
  colour: '#e377c2',
  lane: 'process',
  repeatable: true,
  params(limits) {
    const points = limits.def.crashPoints;
    if (!points || !(limits.def.crashEnv || limits.def.crashFileEnv)) return undefined;
    const roles = (limits.roles ?? (Object.keys(points) as Role[])).filter((r) => (points[r]?.length ?? 0) > 0);
    if (roles.length === 0) return undefined;
    return fc.constantFrom(...roles).chain((role) =>
      fc.record({
        role: fc.constant(role),
        replica: fc.integer({ min: 0, max: 2 }),
        point: fc.constantFrom(...points[role]!),
        // Mostly the first pass: a relay that publishes in large batches may pass a point only once.
        pass: fc.oneof(
          { weight: 3, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.constant(2) },
          { weight: 1, arbitrary: fc.constant(3) },
        ),
      }),
    );
  },
  describe: (p) => `arm ${p.point}@${p.pass} in ${p.role}#${p.replica}`,
  async start(ctx, p) {
    const name = resolveTarget(ctx.cluster, p);
    const armed = await ctx.cluster.arm(name, `${p.point}@${p.pass}`);
    return {
      heal: healOnce(() => ctx.cluster.disarm(name, armed)),
      affects: [`process:${name}`],
      acted: ctx.cluster.exitOnItsOwn(name),
    };
  },
};
