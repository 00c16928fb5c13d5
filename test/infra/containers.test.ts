// The containers provider: the stack's whole contract (the same suite the native stack passes),
// then what is its own: cleanup of containers and networks on stop, Ctrl-C and SIGKILL; clear
// errors for missing images; --provider auto; three brokers, each in a container of its own, whose
// peer traffic crosses Toxiproxy as on the native cluster. Runs on the locally built images.
import { describe, expect, it } from 'vitest';
import { tracked } from '../../harness/infra/cleanup.ts';
import { stackLabel } from '../../harness/infra/containers/index.ts';
import { docker } from '../../harness/infra/containers/engine.ts';
import { resolveProvider, startStack } from '../../harness/infra/index.ts';
import { roundTripEveryLink } from '../../harness/infra/roundtrip.ts';
import { eventually, expectClusterHealed, expectFenced, faultStarter, useLocalImages } from '../helpers.ts';
import { holdStack } from './hold-stack.ts';
import { stackSuite } from './stack-suite.ts';

useLocalImages();

/** Containers and networks that carry a stack's label. */
function leftovers(id: string): { containers: string[]; networks: string[] } {
  const ids = (args: string[]) => docker(args).split('\n').filter(Boolean);
  return {
    containers: ids(['ps', '-aq', '--filter', `label=${stackLabel(id)}`]),
    networks: ids(['network', 'ls', '-q', '--filter', `label=${stackLabel(id)}`]),
  };
}

describe('the stack contract on containers', () => {
  stackSuite({ provider: 'containers' });
});

describe('containers lifecycle', () => {
  it('stop() removes every container and the network the stack made', async () => {
    const stack = await startStack({ provider: 'containers' });
    expect(stack.provider).toBe('containers');
    expect(leftovers(stack.id).containers).toHaveLength(3);
    expect(leftovers(stack.id).networks).toHaveLength(1);
    expect(await roundTripEveryLink(stack, await stack.newRun({ partitions: 1 }))).toHaveLength(6);
    await stack.stop();
    expect(leftovers(stack.id)).toEqual({ containers: [], networks: [] });
    expect(tracked().dockerLabels).toEqual([]);
  });

  it('Ctrl-C (SIGINT) on a harness removes its containers and network', async () => {
    const { child, held, exited } = await holdStack('containers');
    expect(leftovers(held.id).containers).toHaveLength(3);
    child.kill('SIGINT');
    await exited;
    expect(leftovers(held.id)).toEqual({ containers: [], networks: [] });
  });

  it('a harness killed with SIGKILL is cleaned up after by its reaper', async () => {
    const { child, held, exited } = await holdStack('containers');
    child.kill('SIGKILL');
    await exited;
    expect(
      await eventually(
        () => leftovers(held.id).containers.length === 0 && leftovers(held.id).networks.length === 0,
        30_000,
        500,
      ),
    ).toBe(true);
  });

  it('an image that is not there is one clear error, and nothing is left behind', async () => {
    const before = docker(['ps', '-aq', '--filter', 'label=outbox-chaos.stack']).trim();
    const error = await startStack({
      provider: 'containers',
      images: { kafka: 'outbox-chaos/kafka:no-such-tag-local' },
    }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe('HarnessError');
    expect(error?.message).toMatch(/could not pull outbox-chaos\/kafka:no-such-tag-local .*npm run images/);
    expect(docker(['ps', '-aq', '--filter', 'label=outbox-chaos.stack']).trim()).toBe(before);
  });

  it('--provider auto picks containers when a Docker engine answers, native when none does', () => {
    expect(resolveProvider('auto')).toBe('containers');
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      expect(resolveProvider('auto')).toBe('native');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe('three brokers on containers', () => {
  it('full ISRs; an isolated broker is fenced and comes back; a killed one restarts; all removed on stop', async () => {
    const stack = await startStack({ provider: 'containers', kafkaBrokers: 3 });
    try {
      expect(stack.brokers.map((b) => b.id)).toEqual([1, 2, 3]);
      // PostgreSQL, Toxiproxy and a container per broker.
      expect(leftovers(stack.id).containers).toHaveLength(5);
      const run = await stack.newRun({ partitions: 3 });
      // Every broker advertises its own proxy on each Kafka link.
      expect(new Set(run.kafkaBrokers('relay-kafka')).size).toBe(3);
      expect(await roundTripEveryLink(stack, run)).toHaveLength(6);
      await expectClusterHealed(stack, run);
      const fire = faultStarter(stack, run);

      const isolated = await fire('broker-isolate', { target: 'broker', index: 0 });
      await expectFenced(stack, run, 1);
      await isolated.heal();
      await expectClusterHealed(stack, run);

      const down = await fire('broker-down', { target: 'broker', index: 1, mode: 'kill' });
      expect(stack.brokers.find((b) => b.id === 2)!.control.pid).toBeUndefined();
      await down.heal();
      await expectClusterHealed(stack, run);
    } finally {
      await stack.stop();
    }
    expect(leftovers(stack.id)).toEqual({ containers: [], networks: [] });
  }, 240_000);
});
