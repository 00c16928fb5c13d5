// What a SUT process inherits from the harness's environment: everything but the variables the
// SUT declares for its bug variant and crash points.
import { expect, it } from 'vitest';
import { harnessFreeEnv } from '../../harness/sut/cluster.ts';
import type { SutDefinition } from '../../harness/sut/definition.ts';

const declaring = (fields: Partial<SutDefinition>) => ({ name: 'x', ...fields }) as SutDefinition;

it('strips only the bug and crash-point variables the SUT declares', () => {
  const shell = {
    PATH: '/bin',
    MY_BUG: 'dual-write',
    MY_CRASH: 'p@1',
    MY_CRASH_FILE: '/tmp/c',
    OUTBOX_CHAOS_CACHE: '/cache',
    OUTBOX_OTHER: 'kept',
  };
  const def = declaring({
    bugs: { env: 'MY_BUG', variants: ['dual-write'] },
    crashEnv: 'MY_CRASH',
    crashFileEnv: 'MY_CRASH_FILE',
  });
  expect(harnessFreeEnv(def, shell)).toEqual({ PATH: '/bin', OUTBOX_CHAOS_CACHE: '/cache', OUTBOX_OTHER: 'kept' });
});

it('a SUT that declares nothing inherits the whole environment', () => {
  const shell = { PATH: '/bin', OUTBOX_BUG: 'dual-write' };
  expect(harnessFreeEnv(declaring({}), shell)).toEqual(shell);
});
