import fs from 'node:fs';
import path from 'node:path';
import { probeBroker } from '../kafka-client.ts';
import { clusterId, type ClusterNode } from '../cluster-layout.ts';
import { kraftProperties } from '../kafka-config.ts';
import { formatKraftLogDir } from '../kraft-storage.ts';
import type { LinkName } from '../links.ts';
import { ManagedProcess } from '../processes.ts';
import { waitUntilHealthy } from '../../common/wait.ts';

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
  /** One node of a cluster: its id, the quorum as it dials it, its peer listeners. */
  readonly cluster?: ClusterNode;
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

  /** The only log directory, so also the metadata log's. */
  private get dataDir(): string {
    return path.join(this.options.dir, 'data');
  }

  get directBrokers(): string[] {
    return [`${HOST}:${this.options.directPort}`];
  }

  /** Writes the configuration and formats the storage (once per stack), with no JVM of its own. */
  init(): Promise<void> {
    fs.mkdirSync(this.options.dir, { recursive: true });
    fs.writeFileSync(this.propsFile, this.serverProperties());
    fs.writeFileSync(path.join(this.options.dir, 'log4j.properties'), LOG4J);
    formatKraftLogDir(this.dataDir, {
      clusterId: this.options.cluster?.clusterId ?? clusterId(),
      nodeId: this.options.cluster?.nodeId ?? 1,
    });
    return Promise.resolve();
  }

  async start(): Promise<void> {
    if (this.proc?.running) return;
    this.proc = ManagedProcess.start({
      label: this.options.cluster ? `kafka-${this.options.cluster.nodeId}` : 'kafka',
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
      // A cluster runs three of these on a small machine: start small and let the heap grow.
      this.options.cluster ? '-Xms64m' : '-Xms256m',
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
    const local = (port: number) => ({ host: HOST, port });
    const properties = kraftProperties({
      controller: local(o.controllerPort),
      direct: { bind: local(o.directPort), advertised: local(o.directPort) },
      links: (Object.entries(o.links) as [LinkName, KafkaLinkListener][]).map(
        ([link, l]) => [link, { bind: local(l.port), advertised: local(l.advertisedPort) }] as const,
      ),
      logDirs: this.dataDir,
      ...(o.cluster
        ? {
            nodeId: o.cluster.nodeId,
            brokers: o.cluster.brokers,
            voters: o.cluster.voters,
            replication: o.cluster.replication,
            controllers: o.cluster.controllers,
          }
        : {}),
    });
    return `${properties.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
  }

  private probe(): Promise<void> {
    return probeBroker(this.directBrokers);
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
