import { type Command, InvalidArgumentError, Option } from 'commander';
import { HarnessError } from '../common/errors.ts';
import { DEFAULT_REPORT_DIR } from '../common/paths.ts';
import type { StackOptions } from '../infra/index.ts';
import { IMAGE_ENV, OFFICIAL_IMAGES } from '../infra/containers/images.ts';
import { NATIVE_PORT_COUNT } from '../infra/native/index.ts';

/** Argument parsers shared by the commands: a bad value is a clear message and exit 2. */
export const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
export const nonNegativeInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number >= 0`);
  return n;
};
export const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};
export const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** --provider and --base-port, for every command that starts a stack. */
export function stackFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--provider <provider>',
        'where the stack runs: native processes, Docker containers, or auto (containers when Docker is reachable)',
      )
        .choices(['native', 'containers', 'auto'])
        .default('native'),
    )
    .option(
      '--base-port <n>',
      `run the stack on fixed ports from n (${NATIVE_PORT_COUNT} of them) instead of free ones`,
      positiveInt('--base-port'),
    )
    .addOption(
      new Option(
        '--kafka-brokers <n>',
        'Kafka brokers: 1 (default), or a KRaft cluster of 3 (topics with replication factor 3 and min.insync.replicas=2)',
      ).choices(['1', '3']),
    )
    .option(
      '--postgres-image <image>',
      `containers: the PostgreSQL image (default ${OFFICIAL_IMAGES.postgres}; env ${IMAGE_ENV.postgres}; OUTBOX_CHAOS_IMAGES=local for all local builds)`,
    )
    .option(
      '--kafka-image <image>',
      `containers: the Kafka image (default ${OFFICIAL_IMAGES.kafka}; env ${IMAGE_ENV.kafka})`,
    )
    .option(
      '--toxiproxy-image <image>',
      `containers: the Toxiproxy image (default ${OFFICIAL_IMAGES.toxiproxy}; env ${IMAGE_ENV.toxiproxy})`,
    );
}

export interface StackFlags {
  provider: string;
  basePort?: number;
  kafkaBrokers?: string;
  postgresImage?: string;
  kafkaImage?: string;
  toxiproxyImage?: string;
}

/** The stack a command asked for. */
export function stackOptions(
  flags: StackFlags,
): Pick<StackOptions, 'provider' | 'basePort' | 'images' | 'kafkaBrokers'> {
  const provider = flags.provider as NonNullable<StackOptions['provider']>;
  const images = {
    ...(flags.postgresImage ? { postgres: flags.postgresImage } : {}),
    ...(flags.kafkaImage ? { kafka: flags.kafkaImage } : {}),
    ...(flags.toxiproxyImage ? { toxiproxy: flags.toxiproxyImage } : {}),
  };
  if (Object.keys(images).length > 0 && provider === 'native')
    throw new HarnessError(
      '--postgres-image, --kafka-image and --toxiproxy-image apply to --provider containers (or auto)',
    );
  if (flags.basePort !== undefined && provider === 'containers')
    throw new HarnessError('--base-port applies to --provider native; the containers provider maps free host ports');
  return {
    provider,
    basePort: flags.basePort,
    images,
    ...(flags.kafkaBrokers ? { kafkaBrokers: Number(flags.kafkaBrokers) } : {}),
  };
}

/** The flags of every command that runs scenarios against a SUT: which SUT, how hard, where reports go. */
export function suiteFlags(cmd: Command): Command {
  return stackFlags(
    cmd
      .option('--sut <sut>', 'the system under test: "reference" or the path of a SUT manifest', 'reference')
      .option('--bug <variant>', 'run a broken variant of the SUT')
      .addOption(
        new Option('--profile <profile>', 'how hard to look').choices(['quick', 'ci', 'deep']).default('quick'),
      ),
  )
    .option('--report-dir <dir>', 'where run reports go', DEFAULT_REPORT_DIR)
    .option('--json', 'print the outcome as JSON on stdout');
}

export interface SuiteFlags extends StackFlags {
  sut: string;
  bug?: string;
  profile: string;
  provider: 'native' | 'containers' | 'auto';
  reportDir: string;
  json?: boolean;
}
