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
import { clusterId } from '../native/kafka.ts';
import { assembleStack, newStackId, type ServiceControl, type Stack } from '../stack.ts';
import { waitUntilHealthy } from '../../common/wait.ts';
import { docker, dockerCli, ensureEngine } from './engine.ts';
import { chooseImages, imagePresent, LOCAL_IMAGES, type ImageSet } from './images.ts';

export interface ContainersStackOptions {
  readonly log?: (line: string) => void;
  /** Overrides per image; otherwise env vars, then the official images (see images.ts). */
  readonly images?: Partial<ImageSet>;
  readonly kafkaHeap?: string;
}

const HOST = '127.0.0.1';
/** Ports inside the containers; the host side is chosen free. */
const PG_PORT = 5432;
const KAFKA = { controller: 9093, direct: 9092, internal: 9094 } as const;
const TOXIPROXY_API = 8474;
const kafkaLinkPort = (i: number) => 19092 + i;
const proxyPort = (i: number) => 20000 + i;

/** The one label every container and network of a stack carries; cleanup finds them by it. */
export const stackLabel = (id: string) => `outbox-chaos.stack=${id}`;

/** Whether a Docker engine answers here: --provider auto picks containers then. */
export { engineReachable } from './engine.ts';

/**
 * PostgreSQL, Kafka and Toxiproxy in containers on one Docker network, started with
 * testcontainers; the SUT and the observer stay on the host. Kafka runs in KRaft mode on a generic
 * container with a listener per proxied link, each advertising that link's proxy on the host, as
 * the native stack does (the stock Kafka module advertises one fixed address and cannot sit behind
 * Toxiproxy). Host ports are chosen first, because Kafka must advertise them before it starts.
 */
export async function startContainersStack(options: ContainersStackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
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
    const [pgHost, kafkaHost, apiHost, ...proxyHosts] = await freePorts(3 + LINK_NAMES.length);
    const proxyHostPort = new Map(LINK_NAMES.map((link, i) => [link, proxyHosts[i]!]));
    const labels = { 'outbox-chaos.stack': id };

    const base = (image: string, alias: string) =>
      new GenericContainer(image)
        .withNetworkMode(network)
        .withNetworkAliases(alias)
        .withLabels(labels)
        .withStartupTimeout(120_000);

    const properties = kraftProperties({
      controller: { host: 'localhost', port: KAFKA.controller },
      direct: { bind: { host: '0.0.0.0', port: KAFKA.direct }, advertised: { host: HOST, port: kafkaHost! } },
      internal: {
        bind: { host: '0.0.0.0', port: KAFKA.internal },
        advertised: { host: 'kafka', port: KAFKA.internal },
      },
      links: kafkaLinks.map(
        (link, i) =>
          [
            link,
            {
              bind: { host: '0.0.0.0', port: kafkaLinkPort(i) },
              advertised: { host: HOST, port: proxyHostPort.get(link)! },
            },
          ] as const,
      ),
      logDirs: '/var/lib/kafka/data',
    });

    const [pg, kafka, toxiproxy] = await Promise.all([
      base(images.postgres, 'postgres')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withCommand([
          'postgres',
          ...POSTGRES_SETTINGS.flatMap(([k, v]) => ['-c', `${k}=${v.replace(/^'(.*)'$/, '$1')}`]),
        ])
        .withExposedPorts({ container: PG_PORT, host: pgHost! })
        .start(),
      base(images.kafka, 'kafka')
        .withEnvironment({
          ...kafkaImageEnv(properties),
          CLUSTER_ID: clusterId(),
          KAFKA_HEAP_OPTS: `-Xmx${options.kafkaHeap ?? '512m'} -Xms256m`,
        })
        .withExposedPorts({ container: KAFKA.direct, host: kafkaHost! })
        .start(),
      base(images.toxiproxy, 'toxiproxy')
        .withExposedPorts(
          { container: TOXIPROXY_API, host: apiHost! },
          ...LINK_NAMES.map((link, i) => ({ container: proxyPort(i), host: proxyHostPort.get(link)! })),
        )
        .withWaitStrategy(Wait.forHttp('/version', TOXIPROXY_API))
        .start(),
    ]);

    const probePg = () => probePostgres(`postgres://postgres@${HOST}:${pgHost}/postgres`);
    const postgres = containerService('postgres', pg, { host: HOST, port: pgHost! }, probePg);
    const broker = containerService('kafka', kafka, { host: HOST, port: kafkaHost! }, () => probeKafka(kafkaHost!));
    await Promise.all([
      waitUntilHealthy('postgres', probePg, { timeoutMs: 60_000 }),
      waitUntilHealthy('kafka', () => probeKafka(kafkaHost!), { timeoutMs: 90_000, intervalMs: 250 }),
    ]);
    const toxiproxyUrl = `http://${HOST}:${apiHost}`;
    const client = new Toxiproxy(toxiproxyUrl);
    for (const [i, link] of LINK_NAMES.entries()) {
      const upstream =
        LINKS[link].target === 'postgres' ? `postgres:${PG_PORT}` : `kafka:${kafkaLinkPort(kafkaLinks.indexOf(link))}`;
      await client.createProxy({ name: link, listen: `0.0.0.0:${proxyPort(i)}`, upstream }).catch((err: unknown) => {
        throw new HarnessError(`toxiproxy: could not create proxy ${link} (${describeError(err)})`);
      });
    }
    const linkEndpoints = Object.fromEntries(
      LINK_NAMES.map((link): [LinkName, Endpoint] => [link, { host: HOST, port: proxyHostPort.get(link)! }]),
    ) as Record<LinkName, Endpoint>;
    const containers = [pg, kafka, toxiproxy];
    return assembleStack({
      id,
      provider: 'containers',
      postgres,
      kafka: broker,
      kafkaDirect: { host: HOST, port: kafkaHost! },
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
