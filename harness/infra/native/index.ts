import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../cleanup.ts';
import { HarnessError, describeError } from '../../common/errors.ts';
import type { Endpoint } from '../link-control.ts';
import { LINK_NAMES, LINKS, linksTo, type LinkName } from '../links.ts';
import { freePorts, portInUse } from '../ports.ts';
import { signalTree } from '../processes.ts';
import { requireNativePrerequisites } from '../prerequisites.ts';
import { ensureProvisioned, type Provisioned } from '../provision.ts';
import { assembleStack, newStackId, type ServiceControl, type Stack } from '../stack.ts';
import { NativeKafka, type KafkaLinkListener } from './kafka.ts';
import { NativePostgres } from './postgres.ts';
import { NativeToxiproxy } from './toxiproxy.ts';

export interface NativeStackOptions {
  readonly log?: (line: string) => void;
  /** Kafka's -Xmx; the default suits a 2-core, 24 GiB machine. */
  readonly kafkaHeap?: string;
  /**
   * Fixed, consecutive ports from here (NATIVE_PORT_COUNT of them), so that other programs can be
   * pointed at a known address. Unset: free ports are chosen at run time.
   */
  readonly basePort?: number;
}

const HOST = '127.0.0.1';

/**
 * A local server as the nemesis sees it: restart means start again on the same data; pause stops
 * the whole process tree with SIGSTOP (PostgreSQL's backends sit in groups of their own).
 */
function serviceControl(
  endpoint: Endpoint,
  node: { readonly pid: number | undefined; crash(): Promise<void>; start(): Promise<void> },
): ServiceControl {
  let frozen: number | undefined;
  return {
    endpoint,
    get pid() {
      return node.pid;
    },
    async crash() {
      // SIGKILL ends a stopped process as well; what is left to thaw is gone with it.
      frozen = undefined;
      await node.crash();
    },
    restart: () => node.start(),
    async pause() {
      const pid = node.pid;
      if (pid === undefined) throw new HarnessError('cannot pause a service that is not running');
      signalTree(pid, 'SIGSTOP');
      frozen = pid;
    },
    async resume() {
      if (frozen === undefined) return;
      signalTree(frozen, 'SIGCONT');
      frozen = undefined;
    },
  };
}

/** Prefixes a failure with the component's name, unless the message already starts with it. */
async function component(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const message = describeError(err);
    throw new HarnessError(message.startsWith(name) ? message : `${name}: ${message}`, { cause: err });
  }
}

const PORT_CLASH = /address already in use|EADDRINUSE|could not bind/i;

/** PostgreSQL, the Kafka controller, Kafka's direct listener, Toxiproxy's API, then a proxy per link and a Kafka listener per Kafka link. */
export const NATIVE_PORT_COUNT = 4 + LINK_NAMES.length + linksTo('kafka').length;

function fixedPorts(base: number): number[] {
  if (!Number.isInteger(base) || base < 1024 || base + NATIVE_PORT_COUNT - 1 > 65535) {
    throw new HarnessError(
      `--base-port must be a whole number from 1024 to ${65535 - NATIVE_PORT_COUNT + 1} (the stack takes ${NATIVE_PORT_COUNT} ports)`,
    );
  }
  return Array.from({ length: NATIVE_PORT_COUNT }, (_, i) => base + i);
}

const portRange = (base: number) => `127.0.0.1:${base}-${base + NATIVE_PORT_COUNT - 1}`;

async function assertPortsFree(ports: readonly number[]): Promise<void> {
  const taken = (await Promise.all(ports.map(async (p) => ((await portInUse(p)) ? p : undefined)))).filter(
    (p) => p !== undefined,
  );
  if (taken.length > 0) {
    throw new HarnessError(
      `port clash: ${taken.map((p) => `127.0.0.1:${p}`).join(', ')} ${taken.length === 1 ? 'is' : 'are'} already in use; the stack needs ${portRange(ports[0]!)} free (choose another --base-port, or leave it out to use free ports)`,
    );
  }
}
const START_ATTEMPTS = 3;

/**
 * PostgreSQL, Kafka and Toxiproxy as processes on this host, on free ports, in one temp folder.
 * If any part fails to come up, whatever did come up is torn down before the error is thrown.
 *
 * Ports are chosen free, then bound by the child processes a moment later; another process can
 * take one in between. Such a clash is retried with fresh ports a few times before it is reported.
 */
export async function startNativeStack(options: NativeStackOptions = {}): Promise<Stack> {
  await requireNativePrerequisites({ ports: NATIVE_PORT_COUNT });
  if (options.basePort !== undefined) await assertPortsFree(fixedPorts(options.basePort));
  const provisioned = await ensureProvisioned({ log: options.log });
  if (options.basePort !== undefined) {
    // Fixed ports were asked for: a clash is the caller's to resolve, not ours to retry around.
    return startOnce(provisioned, options).catch((err: unknown) => {
      const message = describeError(err);
      throw PORT_CLASH.test(message)
        ? new HarnessError(`port clash in ${portRange(options.basePort!)}: ${message}`)
        : err;
    });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(provisioned, options);
    } catch (err) {
      const message = describeError(err);
      if (!PORT_CLASH.test(message)) throw err;
      if (attempt >= START_ATTEMPTS) {
        throw new HarnessError(
          `port clash: another process took a port the stack had chosen, ${START_ATTEMPTS} times in a row:\n${message}`,
        );
      }
      options.log?.(`[stack] port clash on attempt ${attempt}; retrying with fresh ports`);
    }
  }
}

async function startOnce(provisioned: Provisioned, options: NativeStackOptions): Promise<Stack> {
  const id = newStackId();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outbox-chaos-${id}-`));
  trackDir(dir);
  // PostgreSQL runs as another user when we are root and must reach its folder below this one.
  fs.chmodSync(dir, 0o755);

  const kafkaLinks = linksTo('kafka');
  const [pgPort, controllerPort, directPort, apiPort, ...rest] =
    options.basePort === undefined ? await freePorts(NATIVE_PORT_COUNT) : fixedPorts(options.basePort);
  const proxyPorts = new Map(LINK_NAMES.map((link, i) => [link, rest[i]!]));
  const kafkaListenerPorts = new Map(kafkaLinks.map((link, i) => [link, rest[LINK_NAMES.length + i]!]));

  const postgres = new NativePostgres({ dir: path.join(dir, 'postgres'), port: pgPort!, bins: provisioned.postgres });
  const kafka = new NativeKafka({
    dir: path.join(dir, 'kafka'),
    java: provisioned.java,
    libs: provisioned.kafkaLibs,
    controllerPort: controllerPort!,
    directPort: directPort!,
    heap: options.kafkaHeap,
    links: Object.fromEntries(
      kafkaLinks.map((link): [LinkName, KafkaLinkListener] => [
        link,
        { port: kafkaListenerPorts.get(link)!, advertisedPort: proxyPorts.get(link)! },
      ]),
    ),
  });
  const toxiproxy = new NativeToxiproxy({ dir, binary: provisioned.toxiproxyServer, apiPort: apiPort! });

  const teardown = async () => {
    // The data is throwaway, so no graceful shutdown: kill -9 is faster and just as clean.
    const results = await Promise.allSettled([postgres.crash(), kafka.crash(), toxiproxy.stop()]);
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    untrackDir(dir);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const upstreamPort = (link: LinkName) =>
    LINKS[link].target === 'postgres' ? pgPort! : kafkaListenerPorts.get(link)!;

  const started = await Promise.allSettled([
    component('postgres', () => postgres.init().then(() => postgres.start())),
    component('kafka', () => kafka.init().then(() => kafka.start())),
    component('toxiproxy', () =>
      toxiproxy.start().then(async () => {
        for (const link of LINK_NAMES) {
          await toxiproxy.createProxy(link, `${HOST}:${proxyPorts.get(link)}`, `${HOST}:${upstreamPort(link)}`);
        }
      }),
    ),
  ]);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await teardown().catch(() => {});
    const why = failures.map((f) => describeError(f.reason)).join('\n\n');
    throw new HarnessError(`the native stack did not start:\n${why}`);
  }

  const linkEndpoints = Object.fromEntries(
    LINK_NAMES.map((link): [LinkName, Endpoint] => [link, { host: HOST, port: proxyPorts.get(link)! }]),
  ) as Record<LinkName, Endpoint>;

  return assembleStack({
    id,
    provider: 'native',
    postgres: serviceControl({ host: HOST, port: pgPort! }, postgres),
    kafka: serviceControl({ host: HOST, port: directPort! }, kafka),
    kafkaDirect: { host: HOST, port: directPort! },
    toxiproxyUrl: toxiproxy.apiUrl,
    linkEndpoints,
    dirs: [dir],
    pids: () => [postgres.pid, kafka.pid, toxiproxy.pid].filter((p): p is number => p !== undefined),
    teardown,
  });
}
