import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '../command.ts';
import { harnessKafka } from '../kafka-client.ts';
import { kafkaListenerName, type LinkName } from '../links.ts';
import { ManagedProcess } from '../processes.ts';
import { waitUntilHealthy } from '../wait.ts';

export interface KafkaLinkListener {
  /** Where the broker listens for this link's traffic (the proxy's upstream). */
  readonly port: number;
  /** What the broker tells clients on this listener to dial: the proxy's own port. */
  readonly advertisedPort: number;
}

export interface NativeKafkaOptions {
  readonly dir: string;
  readonly java: string;
  readonly libs: string;
  readonly controllerPort: number;
  /** The observer's listener: never proxied. */
  readonly directPort: number;
  readonly links: Partial<Record<LinkName, KafkaLinkListener>>;
  readonly heap?: string;
  readonly startTimeoutMs?: number;
}

const HOST = '127.0.0.1';

/**
 * A single KRaft node (broker + controller) on the machine's JDK. Behind Toxiproxy a client
 * dials whatever address the broker advertises after bootstrap, so each proxied link gets a
 * listener of its own that advertises that link's proxy: a client that bootstraps through a
 * proxy stays behind it.
 */
export class NativeKafka {
  private proc: ManagedProcess | undefined;
  private readonly propsFile: string;
  private readonly logFile: string;

  constructor(private readonly options: NativeKafkaOptions) {
    this.propsFile = path.join(options.dir, 'server.properties');
    this.logFile = path.join(options.dir, 'kafka.log');
  }

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get directBrokers(): string[] {
    return [`${HOST}:${this.options.directPort}`];
  }

  /** Writes the configuration and formats the storage (once per stack). */
  async init(): Promise<void> {
    fs.mkdirSync(this.options.dir, { recursive: true });
    fs.writeFileSync(this.propsFile, this.serverProperties());
    fs.writeFileSync(path.join(this.options.dir, 'log4j.properties'), LOG4J);
    await runCommand(
      this.options.java,
      [...this.jvmArgs(), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', this.propsFile, '--ignore-formatted'],
      { timeoutMs: 60_000 },
    );
  }

  async start(): Promise<void> {
    if (this.proc?.running) return;
    this.proc = ManagedProcess.start({
      label: 'kafka',
      command: this.options.java,
      args: [...this.jvmArgs(), 'kafka.Kafka', this.propsFile],
      logFile: this.logFile,
    });
    await waitUntilHealthy('kafka', () => this.probe(), {
      timeoutMs: this.options.startTimeoutMs ?? 60_000,
      intervalMs: 200,
      process: this.proc,
    });
  }

  async crash(): Promise<void> {
    await this.proc?.kill();
  }

  async stop(): Promise<void> {
    await this.proc?.stop(10_000);
  }

  private jvmArgs(): string[] {
    return [
      `-Xmx${this.options.heap ?? '1g'}`,
      '-Xms256m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${path.join(this.options.dir, 'log4j.properties')}`,
      `-Dkafka.logs.dir=${this.options.dir}`,
      '-cp',
      `${this.options.libs}/*`,
    ];
  }

  private serverProperties(): string {
    const o = this.options;
    const links = Object.entries(o.links) as [LinkName, KafkaLinkListener][];
    const listeners = [
      `CONTROLLER://${HOST}:${o.controllerPort}`,
      `DIRECT://${HOST}:${o.directPort}`,
      ...links.map(([link, l]) => `${kafkaListenerName(link)}://${HOST}:${l.port}`),
    ];
    const advertised = [
      `DIRECT://${HOST}:${o.directPort}`,
      ...links.map(([link, l]) => `${kafkaListenerName(link)}://${HOST}:${l.advertisedPort}`),
    ];
    const protocols = ['CONTROLLER', 'DIRECT', ...links.map(([link]) => kafkaListenerName(link))].map((n) => `${n}:PLAINTEXT`);
    return [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${HOST}:${o.controllerPort}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=DIRECT',
      `listeners=${listeners.join(',')}`,
      `advertised.listeners=${advertised.join(',')}`,
      `listener.security.protocol.map=${protocols.join(',')}`,
      `log.dirs=${path.join(o.dir, 'data')}`,
      'num.partitions=1',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      // Fewer offsets partitions: the first consumer group of a stack comes up faster.
      'offsets.topic.num.partitions=8',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      // After a kill -9 the controller refuses the restarted broker until the old incarnation's
      // session expires (9 s by default); a short session keeps a broker restart to seconds.
      'broker.session.timeout.ms=2500',
      'broker.heartbeat.interval.ms=500',
      'auto.create.topics.enable=false',
      'unclean.leader.election.enable=false',
      'delete.topic.enable=true',
      'log.retention.hours=-1',
      '',
    ].join('\n');
  }

  /** Healthy = the broker answers a metadata request on the direct listener and names a controller. */
  private async probe(): Promise<void> {
    const admin = harnessKafka(this.directBrokers, 'outbox-chaos-probe', { retry: { retries: 0 }, connectionTimeout: 1_000 }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0 || cluster.controller === null) throw new Error('no broker or controller in metadata yet');
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
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

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.kafka.coordinator=WARN
`;
