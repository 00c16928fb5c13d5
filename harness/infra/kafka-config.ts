import { kafkaListenerName, type LinkName } from './links.ts';

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** One replication listener of a node in a cluster: see KraftLayout.replication. */
export interface ReplicationListener {
  readonly name: string;
  readonly bind: Address;
  readonly advertised: Address;
}

export interface KraftLayout {
  /** The controller's listener; it is also the single voter's address. */
  readonly controller: Address;
  /** In a cluster: this node's id (1 otherwise). */
  readonly nodeId?: number;
  /**
   * In a cluster: every voter as THIS node dials it. Each node reads the quorum from its own
   * file, so node i can reach node j's controller through a proxy of the pair i->j, and cutting
   * that proxy cuts exactly that pair. Alone: the node's own controller listener.
   */
  readonly voters?: readonly (readonly [number, Address])[];
  /**
   * In a cluster: one listener per node (R1, R2, R3). Node i fetches as a follower on listener Ri
   * (its inter-broker listener), and every other node advertises Ri at the proxy of the pair
   * i->that node; so each follower-to-leader connection has a proxy of its own to cut or slow.
   */
  readonly replication?: { readonly own: string; readonly listeners: readonly ReplicationListener[] };
  /**
   * In a cluster: controller listeners C1, C2, C3 on the same plan. Raft followers fetch from the
   * active controller at the address it reports for its controller listener (not the voters
   * list), so node j advertises Ci at the proxy of the pair i->j, and node i names Ci first, the
   * controller listener it dials with.
   */
  readonly controllers?: { readonly own: string; readonly listeners: readonly ReplicationListener[] };
  /** How many brokers the cluster has: internal topics replicate over all of them. */
  readonly brokers?: number;
  /** The observer's listener: never proxied. */
  readonly direct: { readonly bind: Address; readonly advertised: Address };
  /** The listener brokers use among themselves; the direct one unless given. */
  readonly internal?: { readonly bind: Address; readonly advertised: Address };
  /**
   * One listener per proxied link, advertising that link's proxy: after bootstrap a client dials
   * the advertised address, so one that came in through a proxy stays behind it.
   */
  readonly links: readonly (readonly [LinkName, { readonly bind: Address; readonly advertised: Address }])[];
  readonly logDirs: string;
}

const at = (a: Address) => `${a.host}:${a.port}`;

/** The server properties of the single KRaft node (broker + controller) every provider runs. */
export function kraftProperties(o: KraftLayout): [string, string][] {
  const brokers = o.brokers ?? 1;
  const nodeId = o.nodeId ?? 1;
  const voters = o.voters ?? [[nodeId, o.controller] as const];
  const named = [
    ['DIRECT', o.direct] as const,
    ...(o.internal ? [['INTERNAL', o.internal] as const] : []),
    ...(o.replication?.listeners ?? []).map((l) => [l.name, l] as const),
    ...o.links.map(([link, l]) => [kafkaListenerName(link), l] as const),
  ];
  const controllers = o.controllers
    ? [
        ...o.controllers.listeners.filter((l) => l.name === o.controllers!.own),
        ...o.controllers.listeners.filter((l) => l.name !== o.controllers!.own),
      ].map((l) => [l.name, l] as const)
    : [['CONTROLLER', { bind: o.controller, advertised: o.controller }] as const];
  const advertised = o.controllers ? [...named, ...controllers] : named;
  return [
    ['process.roles', 'broker,controller'],
    ['node.id', String(nodeId)],
    ['controller.quorum.voters', voters.map(([id, a]) => `${id}@${at(a)}`).join(',')],
    ['controller.listener.names', controllers.map(([n]) => n).join(',')],
    ['inter.broker.listener.name', o.replication?.own ?? (o.internal ? 'INTERNAL' : 'DIRECT')],
    ['listeners', [...controllers, ...named].map(([n, l]) => `${n}://${at(l.bind)}`).join(',')],
    ['advertised.listeners', advertised.map(([n, l]) => `${n}://${at(l.advertised)}`).join(',')],
    ['listener.security.protocol.map', [...controllers, ...named].map(([n]) => `${n}:PLAINTEXT`).join(',')],
    ['log.dirs', o.logDirs],
    ['num.partitions', '1'],
    ['default.replication.factor', String(brokers)],
    // With one broker there is no other copy to wait for; with three, an acknowledged write is on
    // two of them, so one broker can fail without losing it.
    ['min.insync.replicas', brokers >= 3 ? '2' : '1'],
    ['offsets.topic.replication.factor', String(brokers)],
    // Fewer offsets partitions: the first consumer group of a stack comes up faster.
    ['offsets.topic.num.partitions', '8'],
    ['transaction.state.log.replication.factor', String(brokers)],
    ['transaction.state.log.min.isr', brokers >= 3 ? '2' : '1'],
    ['group.initial.rebalance.delay.ms', '0'],
    // A consumer killed with -9 holds its partitions until its session expires; the broker's 6 s
    // floor would make every consumer kill a 6 s stall, so SUTs may choose a shorter session.
    ['group.min.session.timeout.ms', '1000'],
    // After a kill -9 the controller refuses the restarted broker until the old incarnation's
    // session expires (9 s by default); a short session keeps a broker restart to seconds.
    ['broker.session.timeout.ms', '2500'],
    ['broker.heartbeat.interval.ms', '500'],
    ['auto.create.topics.enable', 'false'],
    ['unclean.leader.election.enable', 'false'],
    ...clusterTimings(brokers),
    ['delete.topic.enable', 'true'],
    ['log.retention.hours', '-1'],
  ];
}

/**
 * A follower that stopped fetching leaves the ISR after replica.lag.time.max.ms (30 s by default),
 * and a leaderless partition of a topic that allows unclean elections is looked at every
 * unclean.leader.election.interval.ms (5 min): both far longer than a fault window, so a quick
 * run would never see an ISR shrink or an unclean election.
 */
function clusterTimings(brokers: number): [string, string][] {
  if (brokers < 2) return [];
  return [
    ['replica.lag.time.max.ms', '2000'],
    ['unclean.leader.election.interval.ms', '1000'],
    // Followers fetch often, so that a write waiting for acks=all is not held by a fetch backoff.
    ['replica.fetch.wait.max.ms', '100'],
  ];
}

/** The same properties as apache/kafka's image takes them: KAFKA_ + upper case, "." -> "_", "_" -> "__", "-" -> "___". */
export function kafkaImageEnv(properties: readonly (readonly [string, string])[]): Record<string, string> {
  return Object.fromEntries(
    properties.map(([k, v]) => [
      `KAFKA_${k.replace(/-/g, '___').replace(/_/g, '__').replace(/\./g, '_').toUpperCase()}`,
      v,
    ]),
  );
}
