import crypto from 'node:crypto';
import type pg from 'pg';
import { Toxiproxy } from 'toxiproxy-node-client';
import { HarnessError, describeError } from '../common/errors.ts';
import { awaitTopicReady, withKafkaAdmin } from './kafka-client.ts';
import { linkControl, proxyControl, type Endpoint, type LinkControl, type ProxyControl } from './link-control.ts';
import { LINK_NAMES, LINKS, type LinkName } from './links.ts';
import { quoteIdent, withPgClient } from './pg-client.ts';

export type ProviderName = 'native' | 'containers';

/** Where a client connects: through one link's proxy, or directly (the observer only). */
export type Route = LinkName | 'direct';

/** A piece of infrastructure the nemesis can crash and bring back with its data, or freeze and thaw. */
export interface ServiceControl {
  readonly endpoint: Endpoint;
  /** The OS process, when the provider runs one on this host and it is up. */
  readonly pid: number | undefined;
  /** kill -9, no shutdown hooks; a frozen service is killed all the same. */
  crash(): Promise<void>;
  /** Start again on the same data and wait until healthy. */
  restart(): Promise<void>;
  /**
   * Freezes every process of the service where it stands (SIGSTOP, or the cgroup freezer): its
   * sockets stay open and nothing answers, as in a long GC pause or a stalled VM.
   */
  pause(): Promise<void>;
  /** Thaws what pause() froze; does nothing when nothing is frozen. */
  resume(): Promise<void>;
}

/** One Kafka broker of the stack (the only one, or one node of a cluster). */
export interface Broker {
  /** Its node id: 1, 2, 3. */
  readonly id: number;
  readonly control: ServiceControl;
  /** Its observer listener, never proxied. */
  readonly direct: Endpoint;
}

/** The proxies between two brokers of a cluster, one way: controller traffic and replica fetches. */
export interface PeerProxies {
  /** from's connection to to's controller (Raft and broker heartbeats). */
  readonly controller: string;
  /** from's fetches, as a follower, from to as the leader. */
  readonly replication: string;
}

export interface RunOptions {
  readonly partitions?: number;
  /** A database prepared with prepareTemplate; an empty one otherwise. */
  readonly template?: string;
  /** Statements run one by one on the new database; ${DATABASE} is its name. */
  readonly perRunSql?: readonly string[];
}

/** What one property run gets for itself, without restarting anything. */
export interface RunEnv {
  readonly id: string;
  readonly database: string;
  readonly topic: string;
  readonly groupId: string;
  readonly partitions: number;
  pgUrl(route: Route): string;
  kafkaBrokers(route: Route): string[];
  drop(): Promise<void>;
}

export interface Stack {
  readonly id: string;
  readonly provider: ProviderName;
  readonly postgres: ServiceControl;
  /** Kafka as a whole: on a cluster, crash, restart and pause act on every broker at once. */
  readonly kafka: ServiceControl;
  /** Each broker on its own; one on a single-node stack. */
  readonly brokers: readonly Broker[];
  readonly toxiproxyUrl: string;
  link(name: LinkName): LinkControl;
  /**
   * The proxies from one broker to another, one way: replica fetches and controller traffic of
   * from towards to. Only on a cluster.
   */
  peer(from: number, to: number, which?: readonly (keyof PeerProxies)[]): ProxyControl;
  /** Every proxy enabled, every toxic removed, every server thawed and running. */
  healAll(): Promise<void>;
  pgUrl(database: string, route: Route): string;
  kafkaBrokers(route: Route): string[];
  prepareTemplate(name: string, setupSql: string): Promise<void>;
  newRun(options?: RunOptions): Promise<RunEnv>;
  /** PIDs of the processes the stack runs on this host, up or not. */
  pids(): number[];
  /** Folders the stack owns; all gone after stop(). */
  readonly dirs: readonly string[];
  stop(): Promise<void>;
}

/** What a provider supplies; the rest of the Stack is the same for every provider. */
export interface StackParts {
  readonly id: string;
  readonly provider: ProviderName;
  readonly postgres: ServiceControl;
  readonly kafka: ServiceControl;
  /** The observer's Kafka listener. */
  readonly kafkaDirect: Endpoint;
  /** A cluster's brokers; a single-node stack leaves it out (the one broker is kafka). */
  readonly brokers?: readonly Broker[];
  /** A cluster's proxies between brokers, by from and to. */
  readonly peerProxies?: (from: number, to: number) => PeerProxies;
  readonly toxiproxyUrl: string;
  readonly linkEndpoints: Record<LinkName, Endpoint>;
  /**
   * On a cluster, each Kafka link is one proxy per broker, in broker order: each broker
   * advertises its own. Left out, a link is the one proxy named after it.
   */
  readonly brokerLinks?: Partial<Record<LinkName, readonly { readonly proxy: string; readonly endpoint: Endpoint }[]>>;
  readonly dirs: readonly string[];
  pids(): number[];
  teardown(): Promise<void>;
}

export function newStackId(): string {
  return crypto.randomBytes(4).toString('hex');
}

export function assembleStack(parts: StackParts): Stack {
  const toxiproxy = new Toxiproxy(parts.toxiproxyUrl);
  const links = new Map(
    LINK_NAMES.map((name) => {
      const perBroker = parts.brokerLinks?.[name];
      return [
        name,
        linkControl(
          toxiproxy,
          name,
          parts.linkEndpoints[name],
          perBroker?.map((b) => b.proxy),
        ),
      ];
    }),
  );
  const brokers: readonly Broker[] = parts.brokers ?? [{ id: 1, control: parts.kafka, direct: parts.kafkaDirect }];
  let stopped: Promise<void> | undefined;

  const endpointFor = (target: 'postgres' | 'kafka', route: Route): Endpoint => {
    if (route === 'direct') return target === 'postgres' ? parts.postgres.endpoint : parts.kafkaDirect;
    if (LINKS[route].target !== target)
      throw new HarnessError(`link ${route} leads to ${LINKS[route].target}, not ${target}`);
    return parts.linkEndpoints[route];
  };
  const pgUrl = (database: string, route: Route) => {
    const e = endpointFor('postgres', route);
    return `postgres://postgres@${e.host}:${e.port}/${encodeURIComponent(database)}`;
  };
  const kafkaBrokers = (route: Route) => {
    // Every broker, so that a client can bootstrap while one of them is down.
    if (route === 'direct') return brokers.map((b) => `${b.direct.host}:${b.direct.port}`);
    const perBroker = parts.brokerLinks?.[route];
    if (perBroker) {
      endpointFor('kafka', route);
      return perBroker.map((b) => `${b.endpoint.host}:${b.endpoint.port}`);
    }
    const e = endpointFor('kafka', route);
    return [`${e.host}:${e.port}`];
  };
  const admin = (sql: string) => withPgClient(pgUrl('postgres', 'direct'), (c) => c.query(sql));
  const dropDatabase = async (database: string) => {
    // A logical replication slot (a CDC relay's) pins its database, and FORCE does not drop it.
    await withPgClient(pgUrl('postgres', 'direct'), (c) => dropReplicationSlots(c, database));
    await admin(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  };

  const stack: Stack = {
    id: parts.id,
    provider: parts.provider,
    postgres: parts.postgres,
    kafka: parts.kafka,
    brokers,
    toxiproxyUrl: parts.toxiproxyUrl,
    dirs: parts.dirs,
    pids: () => parts.pids(),
    pgUrl,
    kafkaBrokers,
    link(name) {
      const control = links.get(name);
      if (!control) throw new HarnessError(`unknown link "${name}"; links are: ${LINK_NAMES.join(', ')}`);
      return control;
    },
    peer(from, to, which = ['controller', 'replication']) {
      if (!parts.peerProxies)
        throw new HarnessError('a single Kafka broker has no peers: start the stack with 3 brokers');
      if (from === to || !brokers.some((b) => b.id === from) || !brokers.some((b) => b.id === to))
        throw new HarnessError(`no proxies from broker ${from} to broker ${to}`);
      const proxies = parts.peerProxies(from, to);
      return proxyControl(
        toxiproxy,
        `broker ${from} -> broker ${to}`,
        which.map((w) => proxies[w]),
      );
    },
    async healAll() {
      const problems: string[] = [];
      try {
        await toxiproxy.reset();
      } catch (err) {
        problems.push(`toxiproxy: could not heal all links: ${describeError(err)}`);
      }
      // A fault whose heal failed or never ran (a restart that timed out, a pause cut short) would
      // leave a server down or frozen, and every later run on this stack would see it as a fault.
      const services: [string, ServiceControl][] = [
        ['PostgreSQL', parts.postgres],
        ...brokers.map((b): [string, ServiceControl] => [`Kafka broker ${b.id}`, b.control]),
      ];
      await Promise.all(
        services.map(async ([name, service]) => {
          try {
            await service.resume();
            if (service.pid === undefined) await service.restart();
          } catch (err) {
            problems.push(`${name}: could not bring it back: ${describeError(err)}`);
          }
        }),
      );
      if (problems.length) throw new HarnessError(problems.join('; '));
    },
    async prepareTemplate(name, setupSql) {
      // The schema's hash is kept as the database's comment: the same schema is not set up twice.
      const hash = crypto.createHash('sha256').update(setupSql).digest('hex');
      const existing = await withPgClient(pgUrl('postgres', 'direct'), (c) =>
        c.query<{ comment: string | null }>(
          `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
          [name],
        ),
      );
      if (existing.rows[0]?.comment === `schema ${hash}`) return;
      if (existing.rowCount) {
        await admin(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`);
        await admin(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
      }
      await admin(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
      await withPgClient(pgUrl(name, 'direct'), (c) => c.query(setupSql));
      await admin(`COMMENT ON DATABASE ${quoteIdent(name)} IS 'schema ${hash}'`);
      await admin(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true`);
    },
    async newRun(options = {}) {
      const partitions = options.partitions ?? 3;
      const id = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
      const database = `run_${id}`;
      const topic = `run-${id}`;
      await admin(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(options.template ?? 'template0')}`);
      if (options.perRunSql?.length) {
        try {
          await withPgClient(pgUrl(database, 'direct'), async (c) => {
            for (const statement of options.perRunSql!) {
              const sql = statement.replace(/\$\{DATABASE\}/g, database);
              try {
                await c.query(sql);
              } catch (err) {
                throw new HarnessError(`the SUT's per-run SQL failed on ${database}: ${describeError(err)}\n  ${sql}`);
              }
            }
          });
        } catch (err) {
          await dropDatabase(database).catch(() => {});
          throw err;
        }
      }
      await withKafkaAdmin(kafkaBrokers('direct'), 'outbox-chaos-admin', async (a) => {
        const created = await a.createTopics({
          topics: [
            {
              topic,
              numPartitions: partitions,
              // Every broker holds every partition: RF 3 on a cluster, and min.insync.replicas=2
              // comes with the brokers' own defaults (kafka-config.ts).
              replicationFactor: brokers.length,
              configEntries: [
                { name: 'min.insync.replicas', value: brokers.length >= 3 ? '2' : '1' },
                { name: 'unclean.leader.election.enable', value: 'false' },
              ],
            },
          ],
          // KafkaJS's own wait gives up at a broker's first "unknown topic" (its metadata lags the
          // controller's), which made a run 'unknown' before it began; awaitTopicReady reads again.
          waitForLeaders: false,
        });
        if (!created) throw new HarnessError(`topic ${topic} already existed`);
        await awaitTopicReady(a, { topic, partitions, replicas: brokers.length });
      });
      return {
        id,
        database,
        topic,
        groupId: `${topic}-consumers`,
        partitions,
        pgUrl: (route) => pgUrl(database, route),
        kafkaBrokers,
        async drop() {
          await dropDatabase(database);
          await withKafkaAdmin(kafkaBrokers('direct'), 'outbox-chaos-admin', (a) =>
            a.deleteTopics({ topics: [topic] }),
          );
        },
      };
    },
    stop() {
      stopped ??= parts.teardown();
      return stopped;
    },
  };
  return stack;
}

/** Ends the walsenders of a database's replication slots, then drops the slots. */
async function dropReplicationSlots(client: pg.ClientBase, database: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const { rows } = await client.query<{ slot_name: string; active_pid: number | null }>(
      'SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1',
      [database],
    );
    if (rows.length === 0) return;
    try {
      for (const r of rows) {
        if (r.active_pid !== null) await client.query('SELECT pg_terminate_backend($1)', [r.active_pid]);
        await client.query('SELECT pg_drop_replication_slot($1)', [r.slot_name]);
      }
    } catch (err) {
      // A terminated walsender can take a moment to release its slot.
      if (attempt >= 20)
        throw new HarnessError(`could not drop the replication slots of ${database}: ${describeError(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new HarnessError(
    `the replication slots of ${database} kept coming back; is a process still running against it?`,
  );
}
