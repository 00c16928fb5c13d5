import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../cleanup.ts';
import { HarnessError, describeError } from '../errors.ts';
import type { Endpoint } from '../link-control.ts';
import { LINK_NAMES, LINKS, linksTo, type LinkName } from '../links.ts';
import { freePorts } from '../ports.ts';
import { ensureProvisioned, type Provisioned } from '../provision.ts';
import { assembleStack, newStackId, type ServiceControl, type Stack } from '../stack.ts';
import { NativeKafka, type KafkaLinkListener } from './kafka.ts';
import { NativePostgres } from './postgres.ts';
import { NativeToxiproxy } from './toxiproxy.ts';

export interface NativeStackOptions {
  readonly log?: (line: string) => void;
  /** Kafka's -Xmx; the default suits a 2-core, 24 GiB machine. */
  readonly kafkaHeap?: string;
}

const HOST = '127.0.0.1';

/** A local server as the nemesis sees it: restart means start again on the same data. */
function serviceControl(endpoint: Endpoint, node: { readonly pid: number | undefined; crash(): Promise<void>; start(): Promise<void> }): ServiceControl {
  return {
    endpoint,
    get pid() {
      return node.pid;
    },
    crash: () => node.crash(),
    restart: () => node.start(),
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
const START_ATTEMPTS = 3;

/**
 * PostgreSQL, Kafka and Toxiproxy as processes on this host, on free ports, in one temp folder.
 * If any part fails to come up, whatever did come up is torn down before the error is thrown.
 *
 * Ports are chosen free, then bound by the child processes a moment later; another process can
 * take one in between. Such a clash is retried with fresh ports a few times before it is reported.
 */
export async function startNativeStack(options: NativeStackOptions = {}): Promise<Stack> {
  const provisioned = await ensureProvisioned({ log: options.log });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(provisioned, options);
    } catch (err) {
      const message = describeError(err);
      if (!PORT_CLASH.test(message)) throw err;
      if (attempt >= START_ATTEMPTS) {
        throw new HarnessError(`port clash: another process took a port the stack had chosen, ${START_ATTEMPTS} times in a row:\n${message}`);
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
  const [pgPort, controllerPort, directPort, apiPort, ...rest] = await freePorts(4 + kafkaLinks.length + LINK_NAMES.length);
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
    component('toxiproxy', () => toxiproxy.start().then(async () => {
      for (const link of LINK_NAMES) {
        await toxiproxy.createProxy(link, `${HOST}:${proxyPorts.get(link)}`, `${HOST}:${upstreamPort(link)}`);
      }
    })),
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

