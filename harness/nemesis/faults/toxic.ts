import fc from 'fast-check';
import type { ToxicType } from '../../infra/link-control.ts';
import type { LinkName } from '../../infra/links.ts';
import { healOnce, type FaultKind } from '../types.ts';

export interface ToxicParams {
  readonly link: LinkName;
  readonly toxic: ToxicType;
  readonly stream: 'upstream' | 'downstream';
  readonly toxicity: number;
  readonly attributes: Record<string, number>;
}

/** Attribute ranges per toxic, small enough to bite within a quick run. */
const ATTRIBUTES: Record<ToxicType, fc.Arbitrary<Record<string, number>>> = {
  latency: fc.record({ latency: fc.integer({ min: 20, max: 800 }), jitter: fc.integer({ min: 0, max: 100 }) }),
  // timeout 0 = black hole: data is held until the toxic goes away.
  timeout: fc.record({ timeout: fc.constantFrom(0, 200, 1_000) }),
  reset_peer: fc.record({ timeout: fc.integer({ min: 0, max: 500 }) }),
  bandwidth: fc.record({ rate: fc.integer({ min: 1, max: 64 }) }),
  slicer: fc.record({
    average_size: fc.integer({ min: 8, max: 256 }),
    size_variation: fc.integer({ min: 0, max: 8 }),
    delay: fc.integer({ min: 0, max: 2_000 }),
  }),
  limit_data: fc.record({ bytes: fc.integer({ min: 256, max: 8_192 }) }),
  slow_close: fc.record({ delay: fc.integer({ min: 100, max: 2_000 }) }),
};

const TOXIC_TYPES = Object.keys(ATTRIBUTES) as ToxicType[];

/** Any Toxiproxy toxic on one link, either direction, with a toxicity. */
export const toxic: FaultKind<ToxicParams, 'link'> = {
  name: 'toxic',
  colour: '#ff7f0e',
  lane: 'link',
  params: (limits) =>
    limits.links?.length
      ? fc.constantFrom(...TOXIC_TYPES).chain((type) =>
          fc.record({
            link: fc.constantFrom(...(limits.links as LinkName[])),
            toxic: fc.constant(type),
            stream: fc.constantFrom('upstream' as const, 'downstream' as const),
            toxicity: fc.constantFrom(1, 0.5, 0.9),
            attributes: ATTRIBUTES[type],
          }),
        )
      : undefined,
  describe: (p) =>
    `${p.toxic} ${JSON.stringify(p.attributes)} on ${p.link} ${p.stream}${p.toxicity < 1 ? ` (toxicity ${p.toxicity})` : ''}`,
  async start(ctx, p) {
    const link = ctx.stack.link(p.link);
    const name = await link.addToxic({
      type: p.toxic,
      stream: p.stream,
      toxicity: p.toxicity,
      attributes: p.attributes,
    });
    return {
      heal: healOnce(() => link.removeToxic(name)),
      affects: [`link:${p.link}`],
    };
  },
};
