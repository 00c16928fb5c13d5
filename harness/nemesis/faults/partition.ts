import fc from 'fast-check';
import type { LinkName } from '../../infra/links.ts';
import { healOnce, type FaultKind } from '../types.ts';

/** A network partition of one link: the proxy is disabled, its connections dropped. */
export const partition: FaultKind<{ link: LinkName }, 'link'> = {
  name: 'partition',
  colour: '#d62728',
  lane: 'link',
  repeatable: true,
  params: (limits) =>
    limits.links?.length ? fc.record({ link: fc.constantFrom(...(limits.links as LinkName[])) }) : undefined,
  describe: (p) => `partition ${p.link}`,
  async start(ctx, p) {
    const link = ctx.stack.link(p.link);
    await link.disable();
    return { heal: healOnce(() => link.enable()), affects: [`link:${p.link}`] };
  },
};
