import crypto from 'node:crypto';
import { HarnessError } from '../common/errors.ts';
import type { Address, ReplicationListener } from './kafka-config.ts';
import type { Endpoint } from './link-control.ts';
import { linksTo, type LinkName } from './links.ts';
import type { Broker, PeerProxies, ServiceControl, StackParts } from './stack.ts';

/**
 * The layout of a three-node KRaft cluster whose peer traffic crosses Toxiproxy, the same for
 * every provider: only where things bind and how they are dialed differs (loopback ports on this
 * host, or container names on a Docker network).
 */

export type PeerKind = keyof PeerProxies;

/** Where a server binds, and the address another process dials to reach it. */
export interface Reach {
  readonly bind: Address;
  readonly dial: Address;
}

export interface ClusterPlan {
  readonly ids: readonly number[];
  readonly clusterId: string;
  /**
   * Node `node`'s listener for `peer`'s traffic of a kind: Cpeer or Rpeer. With peer === node it
   * is the node's own controller listener, or the replication listener it fetches with.
   */
  listener(node: number, peer: number, kind: PeerKind): Reach;
  /** The proxy that carries from's traffic of a kind to `to`. */
  proxy(from: number, to: number, kind: PeerKind): Reach;
}

/** A plan with a fresh cluster id, the one every node of the cluster is formatted with. */
export function planCluster(where: Omit<ClusterPlan, 'clusterId'>): ClusterPlan {
  return { ...where, clusterId: clusterId() };
}

/** What one node of a cluster adds to its KRaft layout (see KraftLayout in kafka-config.ts). */
export interface ClusterNode {
  readonly nodeId: number;
  readonly brokers: number;
  readonly clusterId: string;
  readonly voters: readonly (readonly [number, Address])[];
  readonly replication: { readonly own: string; readonly listeners: readonly ReplicationListener[] };
  readonly controllers: { readonly own: string; readonly listeners: readonly ReplicationListener[] };
}

/** 1 or 3: a KRaft quorum of two would stop at the first failure, and more do not fit this machine. */
export function kafkaBrokerCount(n: number | undefined): number {
  if (n === undefined) return 1;
  if (n !== 1 && n !== 3) throw new HarnessError(`--kafka-brokers must be 1 or 3 (got ${n})`);
  return n;
}

export const brokerIds = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

/** -Xmx of each broker of a cluster: three JVMs share a small machine. */
export const CLUSTER_HEAP = '384m';

/** Proxy names of a cluster: a Kafka link per broker, and the pairs of brokers. */
export const brokerLinkProxy = (link: LinkName, broker: number): string => `${link}@kafka-${broker}`;
export const peerProxyNames = (from: number, to: number): PeerProxies => ({
  controller: `controller:kafka-${from}->kafka-${to}`,
  replication: `replication:kafka-${from}->kafka-${to}`,
});

/**
 * Node b's own peer listeners of one kind, one per node j, named prefix+j: b binds each, and
 * advertises Cj/Rj at the proxy of the pair j -> b, so whatever node j dials there crosses that
 * proxy (its own one at its real address: nobody else dials it).
 */
function peerListeners(plan: ClusterPlan, b: number, prefix: 'C' | 'R', kind: PeerKind) {
  return {
    own: `${prefix}${b}`,
    listeners: plan.ids.map((j) => ({
      name: `${prefix}${j}`,
      bind: plan.listener(b, j, kind).bind,
      advertised: j === b ? plan.listener(b, b, kind).dial : plan.proxy(j, b, kind).dial,
    })),
  };
}

export function clusterNode(plan: ClusterPlan, b: number): ClusterNode {
  return {
    nodeId: b,
    brokers: plan.ids.length,
    clusterId: plan.clusterId,
    // This node dials every other controller through the proxy of that pair.
    voters: plan.ids.map((j) => [
      j,
      j === b ? plan.listener(b, b, 'controller').dial : plan.proxy(b, j, 'controller').dial,
    ]),
    // Raft followers fetch from the active controller at the address it reports for their
    // controller listener, so controller traffic needs the same per-pair plan as replication.
    controllers: peerListeners(plan, b, 'C', 'controller'),
    // Follower j fetches from this node on Rj, through the proxy of the pair j -> b.
    replication: peerListeners(plan, b, 'R', 'replication'),
  };
}

/** Every peer proxy of the cluster: two per ordered pair, listening where the plan says. */
export function peerProxySpecs(plan: ClusterPlan): { name: string; listen: Address; upstream: Address }[] {
  const specs: { name: string; listen: Address; upstream: Address }[] = [];
  for (const from of plan.ids)
    for (const to of plan.ids) {
      if (from === to) continue;
      const names = peerProxyNames(from, to);
      for (const kind of ['controller', 'replication'] as const)
        specs.push({
          name: names[kind],
          listen: plan.proxy(from, to, kind).bind,
          upstream: plan.listener(to, from, kind).dial,
        });
    }
  return specs;
}

/**
 * The Kafka part of a stack's parts, for one broker or a cluster: on a cluster Kafka as a whole is
 * every broker at once, each Kafka link is a proxy per broker (at linkProxy(link, broker) on the
 * host), and the peer proxies go by their names.
 */
export function kafkaStackParts(
  brokers: readonly Broker[],
  linkProxy: (link: LinkName, broker: number) => Endpoint,
): Pick<StackParts, 'kafka' | 'kafkaDirect' | 'brokers' | 'peerProxies' | 'brokerLinks'> {
  const first = brokers[0]!;
  if (brokers.length === 1) return { kafka: first.control, kafkaDirect: first.direct };
  return {
    kafka: wholeCluster(brokers.map((b) => b.control)),
    kafkaDirect: first.direct,
    brokers,
    peerProxies: peerProxyNames,
    brokerLinks: Object.fromEntries(
      linksTo('kafka').map((link) => [
        link,
        brokers.map((b) => ({ proxy: brokerLinkProxy(link, b.id), endpoint: linkProxy(link, b.id) })),
      ]),
    ),
  };
}

/**
 * Kafka as one service on a cluster, for the faults that act on Kafka as a whole (kafka-restart,
 * service-pause): every broker at once. Restarting them together lets the quorum form again.
 */
function wholeCluster(brokers: readonly ServiceControl[]): ServiceControl {
  return {
    endpoint: brokers[0]!.endpoint,
    get pid() {
      return brokers[0]!.pid;
    },
    crash: async () => {
      await Promise.all(brokers.map((b) => b.crash()));
    },
    restart: async () => {
      await Promise.all(brokers.map((b) => b.restart()));
    },
    pause: async () => {
      for (const b of brokers) if (b.pid !== undefined) await b.pause();
    },
    resume: async () => {
      await Promise.all(brokers.map((b) => b.resume()));
    },
  };
}

/**
 * Kafka's cluster ids are 16 random bytes, base64url without padding. One that starts with "-"
 * reads as an option to kafka-storage's argument parser (1 start in 64 failed that way in CI), so,
 * as Kafka's own Uuid.randomUuid does, such ids are drawn again.
 */
export function clusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
