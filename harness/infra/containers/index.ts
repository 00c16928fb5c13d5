import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { removeDockerByLabel, trackDockerLabel, untrackDockerLabel } from '../cleanup.ts';
import { HarnessError, describeError } from '../../common/errors.ts';
import { kafkaImageEnv, kraftProperties } from '../kafka-config.ts';
import { probeBroker } from '../kafka-client.ts';
import type { Endpoint } from '../link-control.ts';
import { LINK_NAMES, LINKS, linksTo, type LinkName } from '../links.ts';
import { probePostgres } from '../pg-client.ts';
import { freePorts } from '../ports.ts';
import { POSTGRES_SETTINGS } from '../postgres-config.ts';
import {
  brokerIds,
  brokerLinkProxy,
  CLUSTER_HEAP,
  clusterNode,
  kafkaBrokerCount,
  kafkaStackParts,
  peerProxySpecs,
  planCluster,
  type PeerKind,
} from '../cluster-layout.ts';
import { assembleStack, newStackId, type ServiceControl, type Stack } from '../stack.ts';
import { waitUntilHealthy } from '../../common/wait.ts';
import { docker, dockerCli, ensureEngine } from './engine.ts';
import { chooseImages, imagePresent, LOCAL_IMAGES, type ImageSet } from './images.ts';

export interface ContainersStackOptions {
  readonly log?: (line: string) => void;
  /** Overrides per image; otherwise env vars, then the official images (see images.ts). */
  readonly images?: Partial<ImageSet>;
  readonly kafkaHeap?: string;
  /** 1 (the default): one KRaft node. 3: a cluster of three combined controller+broker nodes. */
  readonly kafkaBrokers?: number;
}

const HOST = '127.0.0.1';
const ANY = '0.0.0.0';
/** Ports inside the containers; the host side is chosen free. */
const PG_PORT = 5432;
const KAFKA = { controller: 9093, direct: 9092, internal: 9094 } as const;
const TOXIPROXY_API = 8474;
const kafkaLinkPort = (i: number) => 19092 + i;
/** A broker's peer listener Cj or Rj (its own controller listener is KAFKA.controller). */
const peerListenerPort = (kind: PeerKind, j: number) => (kind === 'controller' ? 9100 : 9200) + j;
/** In the Toxiproxy container: the proxies the host reaches, and those only the brokers use. */
const proxyPort = (i: number) => 20000 + i;
const peerProxyPort = (i: number) => 21000 + i;

/** The one label every container and network of a stack carries; cleanup finds them by it. */
export const stackLabel = (id: string) => `outbox-chaos.stack=${id}`;

/** Whether a Docker engine answers here: --provider auto picks containers then. */
export { engineReachable } from './engine.ts';

/** A proxy the host reaches: a PostgreSQL link, or a Kafka link in front of one broker. */
interface HostProxy {
  readonly name: string;
  readonly link: LinkName;
  readonly broker?: number;
  readonly containerPort: number;
  readonly hostPort: number;
}

/**
 * PostgreSQL, Kafka and Toxiproxy in containers on one Docker network, started with
 * testcontainers; the SUT and the observer stay on the host. Kafka runs in KRaft mode on a generic
 * container with a listener per proxied link, each advertising that link's proxy on the host, as
 * the native stack does (the stock Kafka module advertises one fixed address and cannot sit behind
 * Toxiproxy). Host ports are chosen first, because Kafka must advertise them before it starts.
 *
 * With three brokers each is a container of its own (kafka-1..3 on the network), laid out as the
 * native cluster is (cluster-layout.ts): every Kafka link is a proxy per broker, and every ordered
 * pair of brokers has a controller and a replication proxy, reached by the brokers at the
 * Toxiproxy container's name, so a fault can cut one pair of brokers and leave the rest.
 */
export async function startContainersStack(options: ContainersStackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const brokerCount = kafkaBrokerCount(options.kafkaBrokers);
  const cluster = brokerCount > 1;
  const ids = brokerIds(brokerCount);
  await ensureEngine(log);
  const images = chooseImages(options.images);
  for (const image of Object.values(images)) await ensureImage(image, log);
  // Ryuk, testcontainers' own reaper, is an image from a registry; the harness's reaper does its job.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

  const id = newStackId();
  const label = stackLabel(id);
  const cli = dockerCli();
  trackDockerLabel(label, cli);
  const network = `outbox-chaos-${id}`;
  const teardown = async () => {
    removeDockerByLabel(label, cli);
    untrackDockerLabel(label);
  };

  try {
    docker(['network', 'create', '--label', label, network]);
    const kafkaLinks = linksTo('kafka');
    const proxyCount = LINK_NAMES.length + kafkaLinks.length * (brokerCount - 1);
    const [pgHost, apiHost, ...rest] = await freePorts(2 + brokerCount + proxyCount);
    const directHost = new Map(ids.map((b, i) => [b, rest[i]!]));
    const hostProxies: HostProxy[] = [];
    for (const link of LINK_NAMES)
      for (const broker of LINKS[link].target === 'postgres' ? [undefined] : ids) {
        const i = hostProxies.length;
        hostProxies.push({
          name: cluster && broker !== undefined ? brokerLinkProxy(link, broker) : link,
          link,
          ...(broker !== undefined ? { broker } : {}),
          containerPort: proxyPort(i),
          hostPort: rest[brokerCount + i]!,
        });
      }
    /** A link's proxy; for a Kafka link, the one in front of that broker. */
    const hostProxy = (link: LinkName, broker = 1) =>
      hostProxies.find((p) => p.link === link && (LINKS[link].target === 'postgres' || p.broker === broker))!;
    const labels = { 'outbox-chaos.stack': id };
    const alias = (b: number) => (cluster ? `kafka-${b}` : 'kafka');

    // Inside the network a peer listener binds on every interface and is dialed at its broker's
    // name; a peer proxy listens in the Toxiproxy container and is dialed at that container's name.
    const plan = planCluster({
      ids,
      listener: (b, j, kind) => {
        const port = j === b && kind === 'controller' ? KAFKA.controller : peerListenerPort(kind, j);
        return { bind: { host: ANY, port }, dial: { host: alias(b), port } };
      },
      proxy: (from, to, kind) => {
        const port = peerProxyPort(((from - 1) * brokerCount + to - 1) * 2 + (kind === 'controller' ? 0 : 1));
        return { bind: { host: ANY, port }, dial: { host: 'toxiproxy', port } };
      },
    });

    const base = (image: string, name: string) =>
      new GenericContainer(image)
        .withNetworkMode(network)
        .withNetworkAliases(name)
        .withLabels(labels)
        .withStartupTimeout(120_000);

    const brokerProperties = (b: number) => {
      const node = cluster ? clusterNode(plan, b) : undefined;
      return kraftProperties({
        controller: { host: 'localhost', port: KAFKA.controller },
        direct: {
          bind: { host: ANY, port: KAFKA.direct },
          advertised: { host: HOST, port: directHost.get(b)! },
        },
        ...(node
          ? {
              nodeId: node.nodeId,
              brokers: node.brokers,
              voters: node.voters,
              replication: node.replication,
              controllers: node.controllers,
            }
          : {
              internal: {
                bind: { host: ANY, port: KAFKA.internal },
                advertised: { host: alias(b), port: KAFKA.internal },
              },
            }),
        links: kafkaLinks.map(
          (link, i) =>
            [
              link,
              {
                bind: { host: ANY, port: kafkaLinkPort(i) },
                advertised: { host: HOST, port: hostProxy(link, b).hostPort },
              },
            ] as const,
        ),
        logDirs: '/var/lib/kafka/data',
      });
    };
    // Three JVMs share a small machine: a smaller heap each, starting small.
    const heap = cluster
      ? `-Xmx${options.kafkaHeap ?? CLUSTER_HEAP} -Xms64m`
      : `-Xmx${options.kafkaHeap ?? '512m'} -Xms256m`;

    const toxiproxyUrl = `http://${HOST}:${apiHost}`;
    const client = new Toxiproxy(toxiproxyUrl);
    const createProxy = (name: string, listen: number, upstream: string) =>
      client.createProxy({ name, listen: `${ANY}:${listen}`, upstream }).catch((err: unknown) => {
        throw new HarnessError(`toxiproxy: could not create proxy ${name} (${describeError(err)})`);
      });
    const startToxiproxy = (async () => {
      const container = await base(images.toxiproxy, 'toxiproxy')
        .withExposedPorts(
          { container: TOXIPROXY_API, host: apiHost! },
          ...hostProxies.map((p) => ({ container: p.containerPort, host: p.hostPort })),
        )
        .withWaitStrategy(Wait.forHttp('/version', TOXIPROXY_API))
        .start();
      for (const p of hostProxies) {
        const upstream =
          LINKS[p.link].target === 'postgres'
            ? `postgres:${PG_PORT}`
            : `${alias(p.broker ?? 1)}:${kafkaLinkPort(kafkaLinks.indexOf(p.link))}`;
        await createProxy(p.name, p.containerPort, upstream);
      }
      if (cluster)
        for (const p of peerProxySpecs(plan))
          await createProxy(p.name, p.listen.port, `${p.upstream.host}:${p.upstream.port}`);
      return container;
    })();
    const startBroker = async (b: number) => {
      const container = base(images.kafka, alias(b))
        .withEnvironment({
          ...kafkaImageEnv(brokerProperties(b)),
          CLUSTER_ID: plan.clusterId,
          KAFKA_HEAP_OPTS: heap,
        })
        .withExposedPorts({ container: KAFKA.direct, host: directHost.get(b)! });
      // The default wait runs three docker execs per poll in each container, a real load with three
      // JVMs starting on two cores; the broker says when it is up, and the probe below checks it.
      return (cluster ? container.withWaitStrategy(Wait.forLogMessage(/Kafka Server started/)) : container).start();
    };
    const startPostgres = base(images.postgres, 'postgres')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withCommand([
        'postgres',
        ...POSTGRES_SETTINGS.flatMap(([k, v]) => ['-c', `${k}=${v.replace(/^'(.*)'$/, '$1')}`]),
      ])
      .withExposedPorts({ container: PG_PORT, host: pgHost! })
      .start();
    // Settled, not all: a container still starting when another failed would outlive the teardown.
    const started = await Promise.allSettled([startPostgres, startToxiproxy, ...ids.map(startBroker)]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [pg, toxiproxy, ...kafkas] = started.map((r) => (r as PromiseFulfilledResult<StartedTestContainer>).value);

    const probePg = () => probePostgres(`postgres://postgres@${HOST}:${pgHost}/postgres`);
    const postgres = containerService('postgres', pg!, { host: HOST, port: pgHost! }, probePg);
    const direct = (b: number): Endpoint => ({ host: HOST, port: directHost.get(b)! });
    const brokers = ids.map((b, i) => ({
      id: b,
      direct: direct(b),
      control: containerService(alias(b), kafkas[i]!, direct(b), () => probeKafka(directHost.get(b)!)),
    }));
    await Promise.all([
      waitUntilHealthy('postgres', probePg, { timeoutMs: 60_000 }),
      ...ids.map((b) =>
        waitUntilHealthy(alias(b), () => probeKafka(directHost.get(b)!), { timeoutMs: 90_000, intervalMs: 250 }),
      ),
    ]);
    const linkEndpoints = Object.fromEntries(
      LINK_NAMES.map((link): [LinkName, Endpoint] => [link, { host: HOST, port: hostProxy(link).hostPort }]),
    ) as Record<LinkName, Endpoint>;
    const containers = [pg!, toxiproxy!, ...kafkas];
    return assembleStack({
      id,
      provider: 'containers',
      postgres,
      ...kafkaStackParts(brokers, (link, b) => ({ host: HOST, port: hostProxy(link, b).hostPort })),
      toxiproxyUrl,
      linkEndpoints,
      dirs: [],
      pids: () => containers.map((c) => hostPid(c.getId())).filter((p): p is number => p !== undefined),
      teardown,
    });
  } catch (err) {
    await teardown().catch(() => {});
    throw new HarnessError(`the containers stack did not start: ${describeError(err)}`, { cause: err });
  }
}

/** Present already, or pulled; a registry that cannot be reached gets a message that says what to do. */
async function ensureImage(image: string, log: (line: string) => void): Promise<void> {
  if (imagePresent(image)) return;
  if (Object.values(LOCAL_IMAGES).includes(image))
    throw new HarnessError(`image ${image} is not built yet: run npm run images`);
  log(`[containers] pulling ${image}...`);
  try {
    docker(['pull', image], { timeoutMs: 600_000 });
  } catch (err) {
    throw new HarnessError(
      `could not pull ${image} (${describeError(err).split('\n')[0]}). Without a registry, build local images with npm run images and set OUTBOX_CHAOS_IMAGES=local`,
    );
  }
}

/**
 * kill -9 is docker kill; restart is docker start on the same container, so the data survives;
 * pause is docker pause, which freezes the container's processes with the cgroup freezer.
 */
function containerService(
  name: string,
  container: StartedTestContainer,
  endpoint: Endpoint,
  probe: () => Promise<void>,
): ServiceControl {
  const id = container.getId();
  let frozen = false;
  const thaw = () => {
    if (!frozen) return;
    frozen = false;
    docker(['unpause', id]);
  };
  return {
    endpoint,
    get pid() {
      return hostPid(id);
    },
    async crash() {
      // Some engines refuse to signal a paused container: thaw it, then kill it at once.
      thaw();
      docker(['kill', '--signal', 'KILL', id]);
      await waitUntilHealthy(
        `${name} to stop`,
        async () => {
          if (hostPid(id) !== undefined) throw new Error('still running');
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
    },
    async restart() {
      docker(['start', id]);
      await waitUntilHealthy(name, probe, { timeoutMs: 90_000, intervalMs: 200 });
    },
    async pause() {
      if (frozen) return; // the engine refuses to pause a paused container
      docker(['pause', id]);
      frozen = true;
    },
    async resume() {
      thaw();
    },
  };
}

/** The container's main process as the host sees it, while it runs. */
function hostPid(id: string): number | undefined {
  try {
    const pid = Number(docker(['inspect', '--format', '{{.State.Pid}}', id]).trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function probeKafka(port: number): Promise<void> {
  return probeBroker([`${HOST}:${port}`]);
}
