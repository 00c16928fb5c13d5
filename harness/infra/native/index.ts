import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../cleanup.ts';
import { HarnessError, describeError } from '../../common/errors.ts';
import type { Endpoint } from '../link-control.ts';
import {
  brokerIds,
  brokerLinkProxy,
  CLUSTER_HEAP,
  clusterNode,
  kafkaBrokerCount,
  kafkaStackParts,
  peerProxySpecs,
  planCluster,
} from '../cluster-layout.ts';
import { LINK_NAMES, LINKS, linksTo, type LinkName } from '../links.ts';
import { freePorts, portInUse } from '../ports.ts';
import { signalTree, stopTree } from '../processes.ts';
import { requireNativePrerequisites } from '../prerequisites.ts';
import { ensureProvisioned, type Provisioned } from '../provision.ts';
import { assembleStack, newStackId, type ServiceControl, type Stack } from '../stack.ts';
import { NativeKafka, type KafkaLinkListener } from './kafka.ts';
import { NativePostgres } from './postgres.ts';
import { NativeToxiproxy } from './toxiproxy.ts';

export interface NativeStackOptions {
  readonly log?: (line: string) => void;
  /** Kafka's -Xmx per broker; the default suits a 2-core, 24 GiB machine. */
  readonly kafkaHeap?: string;
  /** 1 (the default): one KRaft node. 3: a cluster of three combined controller+broker nodes. */
  readonly kafkaBrokers?: number;
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
      frozen = pid;
      await stopTree(pid);
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

/**
 * PostgreSQL, Toxiproxy's API, a proxy per link (per broker for the Kafka links) and, per broker,
 * its controller, its direct listener and a listener per Kafka link. A cluster adds, per broker,
 * a replication listener per broker, and per ordered pair of brokers a controller proxy and a
 * replication proxy.
 */
export function nativePortCount(brokers = 1): number {
  const kafkaLinks = linksTo('kafka').length;
  const pgLinks = LINK_NAMES.length - kafkaLinks;
  // Per broker a replication listener and a controller listener per peer (its own controller
  // port is already counted), and per ordered pair a controller and a replication proxy.
  const cluster = brokers > 1 ? brokers * brokers + brokers * (brokers - 1) + 2 * brokers * (brokers - 1) : 0;
  return 2 + pgLinks + brokers * (2 + 2 * kafkaLinks) + cluster;
}

/** The ports of the one-broker stack, which is the default. */
export const NATIVE_PORT_COUNT = nativePortCount(1);

function fixedPorts(base: number, count: number): number[] {
  if (!Number.isInteger(base) || base < 1024 || base + count - 1 > 65535) {
    throw new HarnessError(
      `--base-port must be a whole number from 1024 to ${65535 - count + 1} (the stack takes ${count} ports)`,
    );
  }
  return Array.from({ length: count }, (_, i) => base + i);
}

const portRange = (base: number, count: number) => `127.0.0.1:${base}-${base + count - 1}`;

async function assertPortsFree(ports: readonly number[]): Promise<void> {
  const taken = (await Promise.all(ports.map(async (p) => ((await portInUse(p)) ? p : undefined)))).filter(
    (p) => p !== undefined,
  );
  if (taken.length > 0) {
    throw new HarnessError(
      `port clash: ${taken.map((p) => `127.0.0.1:${p}`).join(', ')} ${taken.length === 1 ? 'is' : 'are'} already in use; the stack needs ${portRange(ports[0]!, ports.length)} free (choose another --base-port, or leave it out to use free ports)`,
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
  const brokers = kafkaBrokerCount(options.kafkaBrokers);
  const count = nativePortCount(brokers);
  await requireNativePrerequisites({ ports: count });
  if (options.basePort !== undefined) await assertPortsFree(fixedPorts(options.basePort, count));
  const provisioned = await ensureProvisioned({ log: options.log });
  if (options.basePort !== undefined) {
    // Fixed ports were asked for: a clash is the caller's to resolve, not ours to retry around.
    return startOnce(provisioned, options).catch((err: unknown) => {
      const message = describeError(err);
      throw PORT_CLASH.test(message)
        ? new HarnessError(`port clash in ${portRange(options.basePort!, count)}: ${message}`)
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

interface BrokerPorts {
  readonly controller: number;
  readonly direct: number;
  /** Where the broker listens for each Kafka link (the upstream of that link's proxy). */
  readonly listeners: Map<LinkName, number>;
  /** That link's proxy in front of this broker. */
  readonly proxies: Map<LinkName, number>;
  /** Cluster only: the broker's replication listener Rj, by j. */
  readonly replication: Map<number, number>;
  /** Cluster only: the broker's controller listener Cj, by j (Cj of itself is `controller`). */
  readonly controllers: Map<number, number>;
  /** Cluster only: the proxies from this broker to each other one. */
  readonly peers: Map<number, { readonly controller: number; readonly replication: number }>;
}

/**
 * Hands out the stack's ports in a fixed order. With one broker the order is the one the stack
 * always had: PostgreSQL, controller, direct listener, Toxiproxy, a proxy per link, a Kafka
 * listener per Kafka link.
 */
function allocatePorts(ports: readonly number[], brokerCount: number) {
  let next = 0;
  const take = () => ports[next++]!;
  const kafkaLinks = linksTo('kafka');
  const ids = brokerIds(brokerCount);
  const pg = take();
  const first = { controller: take(), direct: take() };
  const api = take();
  const pgProxies = new Map<LinkName, number>();
  const brokerProxies = new Map(ids.map((id) => [id, new Map<LinkName, number>()]));
  for (const link of LINK_NAMES) {
    if (LINKS[link].target === 'postgres') pgProxies.set(link, take());
    else for (const id of ids) brokerProxies.get(id)!.set(link, take());
  }
  const brokers = new Map<number, BrokerPorts>();
  for (const id of ids) {
    const own = id === 1 ? first : { controller: take(), direct: take() };
    brokers.set(id, {
      ...own,
      listeners: new Map(kafkaLinks.map((link) => [link, take()])),
      proxies: brokerProxies.get(id)!,
      replication: new Map(brokerCount > 1 ? ids.map((j) => [j, take()]) : []),
      controllers: new Map(brokerCount > 1 ? ids.map((j) => [j, j === id ? own.controller : take()]) : []),
      peers: new Map(
        brokerCount > 1 ? ids.filter((j) => j !== id).map((j) => [j, { controller: take(), replication: take() }]) : [],
      ),
    });
  }
  return { pg, api, pgProxies, brokers, ids };
}

async function startOnce(provisioned: Provisioned, options: NativeStackOptions): Promise<Stack> {
  const id = newStackId();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outbox-chaos-${id}-`));
  trackDir(dir);
  // PostgreSQL runs as another user when we are root and must reach its folder below this one.
  fs.chmodSync(dir, 0o755);

  const brokerCount = kafkaBrokerCount(options.kafkaBrokers);
  const cluster = brokerCount > 1;
  const count = nativePortCount(brokerCount);
  const kafkaLinks = linksTo('kafka');
  const ports = allocatePorts(
    options.basePort === undefined ? await freePorts(count) : fixedPorts(options.basePort, count),
    brokerCount,
  );
  const brokerPorts = (b: number) => ports.brokers.get(b)!;
  const local = (port: number) => ({ host: HOST, port });

  // Every peer address is a loopback port: where a listener or proxy binds is where it is dialed.
  const plan = planCluster({
    ids: ports.ids,
    listener: (b, j, kind) => {
      const port = (kind === 'controller' ? brokerPorts(b).controllers : brokerPorts(b).replication).get(j)!;
      return { bind: local(port), dial: local(port) };
    },
    proxy: (from, to, kind) => {
      const port = brokerPorts(from).peers.get(to)![kind];
      return { bind: local(port), dial: local(port) };
    },
  });

  const postgres = new NativePostgres({ dir: path.join(dir, 'postgres'), port: ports.pg, bins: provisioned.postgres });
  const kafkas = ports.ids.map((b) => {
    const own = brokerPorts(b);
    return new NativeKafka({
      dir: path.join(dir, cluster ? `kafka-${b}` : 'kafka'),
      java: provisioned.java,
      libs: provisioned.kafkaLibs,
      controllerPort: own.controller,
      directPort: own.direct,
      // Three JVMs share a small machine: a smaller heap each.
      heap: options.kafkaHeap ?? (cluster ? CLUSTER_HEAP : undefined),
      links: Object.fromEntries(
        kafkaLinks.map((link): [LinkName, KafkaLinkListener] => [
          link,
          { port: own.listeners.get(link)!, advertisedPort: own.proxies.get(link)! },
        ]),
      ),
      ...(cluster ? { cluster: clusterNode(plan, b) } : {}),
    });
  });
  const toxiproxy = new NativeToxiproxy({ dir, binary: provisioned.toxiproxyServer, apiPort: ports.api });

  const teardown = async () => {
    // The data is throwaway, so no graceful shutdown: kill -9 is faster and just as clean.
    const results = await Promise.allSettled([postgres.shutdown(), ...kafkas.map((k) => k.crash()), toxiproxy.stop()]);
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    untrackDir(dir);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  // Every proxy: [name, listen port, upstream port].
  const proxies: [string, number, number][] = [];
  for (const link of LINK_NAMES) {
    if (LINKS[link].target === 'postgres') proxies.push([link, ports.pgProxies.get(link)!, ports.pg]);
    else
      for (const b of ports.ids)
        proxies.push([
          cluster ? brokerLinkProxy(link, b) : link,
          brokerPorts(b).proxies.get(link)!,
          brokerPorts(b).listeners.get(link)!,
        ]);
  }
  if (cluster) for (const p of peerProxySpecs(plan)) proxies.push([p.name, p.listen.port, p.upstream.port]);

  // Toxiproxy first on a cluster: the brokers reach one another only through it.
  const startToxiproxy = component('toxiproxy', async () => {
    await toxiproxy.start();
    for (const [name, listen, upstream] of proxies)
      await toxiproxy.createProxy(name, `${HOST}:${listen}`, `${HOST}:${upstream}`);
  });
  const startKafka = (k: NativeKafka, b: number) =>
    component(cluster ? `kafka-${b}` : 'kafka', async () => {
      await k.init();
      if (cluster) await startToxiproxy;
      await k.start();
    });
  const started = await Promise.allSettled([
    component('postgres', () => postgres.init().then(() => postgres.start())),
    startToxiproxy,
    ...kafkas.map((k, i) => startKafka(k, ports.ids[i]!)),
  ]);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await teardown().catch(() => {});
    const why = [...new Set(failures.map((f) => describeError(f.reason)))].join('\n\n');
    throw new HarnessError(`the native stack did not start:\n${why}`);
  }

  const linkEndpoints = Object.fromEntries(
    LINK_NAMES.map((link): [LinkName, Endpoint] => [
      link,
      local(LINKS[link].target === 'postgres' ? ports.pgProxies.get(link)! : brokerPorts(1).proxies.get(link)!),
    ]),
  ) as Record<LinkName, Endpoint>;
  const brokers = kafkas.map((k, i) => {
    const b = ports.ids[i]!;
    return { id: b, control: serviceControl(local(brokerPorts(b).direct), k), direct: local(brokerPorts(b).direct) };
  });

  return assembleStack({
    id,
    provider: 'native',
    postgres: serviceControl(local(ports.pg), postgres),
    ...kafkaStackParts(brokers, (link, b) => local(brokerPorts(b).proxies.get(link)!)),
    toxiproxyUrl: toxiproxy.apiUrl,
    linkEndpoints,
    dirs: [dir],
    pids: () => [postgres.pid, ...kafkas.map((k) => k.pid), toxiproxy.pid].filter((p): p is number => p !== undefined),
    teardown,
  });
}
