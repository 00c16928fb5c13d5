import { kafkaListenerName, type LinkName } from './links.ts';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface KraftLayout {
  /** The controller's listener; it is also the single voter's address. */
  readonly controller: Address;
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
  const named = [
    ['DIRECT', o.direct] as const,
    ...(o.internal ? [['INTERNAL', o.internal] as const] : []),
    ...o.links.map(([link, l]) => [kafkaListenerName(link), l] as const),
  ];
  return [
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', `1@${at(o.controller)}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', o.internal ? 'INTERNAL' : 'DIRECT'],
    ['listeners', [`CONTROLLER://${at(o.controller)}`, ...named.map(([n, l]) => `${n}://${at(l.bind)}`)].join(',')],
    ['advertised.listeners', named.map(([n, l]) => `${n}://${at(l.advertised)}`).join(',')],
    ['listener.security.protocol.map', ['CONTROLLER', ...named.map(([n]) => n)].map((n) => `${n}:PLAINTEXT`).join(',')],
    ['log.dirs', o.logDirs],
    ['num.partitions', '1'],
    ['default.replication.factor', '1'],
    ['min.insync.replicas', '1'],
    ['offsets.topic.replication.factor', '1'],
    // Fewer offsets partitions: the first consumer group of a stack comes up faster.
    ['offsets.topic.num.partitions', '8'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
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
    ['delete.topic.enable', 'true'],
    ['log.retention.hours', '-1'],
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
