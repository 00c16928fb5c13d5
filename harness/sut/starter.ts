import type { Manifest } from './manifest.ts';
import { fillIn } from './manifest-notes.ts';

/**
 * The starter manifest `outbox-chaos init` writes, one per language. JSON has no comments, so each
 * thing a user must change carries a "// <field>" key beside it (the schema accepts keys that start
 * with "//" in every object, and the loader drops them). Values nobody can guess for the user are
 * marked <fill in: ...>; a manifest that still holds one is refused, naming where, before anything
 * runs.
 */

export const LANGUAGES = ['node', 'go', 'java', 'python'] as const;
export type Language = (typeof LANGUAGES)[number];

/** How each language's processes are typically built and started; a starting point, to be edited. */
interface LanguageCommands {
  readonly prepare?: string[];
  readonly prepareComment?: string;
  readonly app: string[];
  readonly relay: string[];
  readonly consumer: string[];
  readonly commandComment: string;
}

const COMMANDS: Record<Language, LanguageCommands> = {
  node: {
    app: ['node', 'app.js'],
    relay: ['node', 'relay.js'],
    consumer: ['node', 'consumer.js'],
    commandComment: 'The program and its arguments (no shell), run in this folder; change the entry files to yours.',
  },
  go: {
    prepare: ['go', 'build', '-o', 'bin/', './cmd/app', './cmd/relay', './cmd/consumer'],
    prepareComment:
      'Runs in this folder each time the manifest is read, before anything starts: build the three binaries. Change the package paths to yours.',
    app: ['./bin/app'],
    relay: ['./bin/relay'],
    consumer: ['./bin/consumer'],
    commandComment: 'The binary that prepare built (a path with a slash is relative to this folder; no shell).',
  },
  java: {
    prepare: ['mvn', '-q', '-DskipTests', 'package'],
    prepareComment:
      'Runs in this folder each time the manifest is read, before anything starts: build the jars (or ["./gradlew", "assemble"]).',
    app: ['java', '-jar', 'target/app.jar'],
    relay: ['java', '-jar', 'target/relay.jar'],
    consumer: ['java', '-jar', 'target/consumer.jar'],
    commandComment: 'The program and its arguments (no shell), run in this folder; change the jar paths to yours.',
  },
  python: {
    app: ['python3', 'app.py'],
    relay: ['python3', 'relay.py'],
    consumer: ['python3', 'consumer.py'],
    commandComment: 'The program and its arguments (no shell), run in this folder; change the scripts to yours.',
  },
};

const ENV_COMMENT =
  'Rename the variables to the ones your code reads; keep the ${...} values, which the harness fills for each process (docs/sut-contract.md lists them).';

const READY_COMMENT =
  'Plain text your process prints (stdout or stderr) once it serves; matched as a substring. A consumer prints it once it has joined its group, with or without partitions.';

/** A starter manifest for a language; `schemaRef` is where an editor finds the schema, if known. */
export function starterManifest(language: Language, name: string, schemaRef?: string): Manifest {
  const c = COMMANDS[language];
  const manifest = {
    ...(schemaRef ? { $schema: schemaRef } : {}),
    '//': 'Written by `outbox-chaos init`. Replace every <fill in: ...> value and read each "// <field>" note; keys starting with "//" are comments. The contract: docs/sut-contract.md in the outbox-chaos package.',
    manifestVersion: 1,
    name,
    ...(c.prepare ? { '// prepare': c.prepareComment, prepare: { command: c.prepare } } : {}),
    '// schema':
      'SQL that creates your tables (business rows, outbox, effects); applied to a fresh database for every run. Or {"sql": "..."}, or {"command": [...]} that prints it.',
    schema: { file: fillIn('path of your schema .sql file, relative to this file') },
    processes: {
      app: {
        '// command': `${c.commandComment} The app takes writes over HTTP on \${PORT}.`,
        command: c.app,
        '// env': ENV_COMMENT,
        env: {
          DATABASE_URL: '${DATABASE_URL}',
          KAFKA_BROKERS: '${KAFKA_BROKERS}',
          TOPIC: '${TOPIC}',
          PORT: '${PORT}',
        },
      },
      relay: {
        '// command': `${c.commandComment} The relay moves outbox rows to Kafka.`,
        command: c.relay,
        '// env': ENV_COMMENT,
        env: {
          DATABASE_URL: '${DATABASE_URL}',
          KAFKA_BROKERS: '${KAFKA_BROKERS}',
          TOPIC: '${TOPIC}',
          RELAY_ID: '${REPLICA}',
        },
        '// readyLog': READY_COMMENT,
        readyLog: 'relay started',
      },
      consumer: {
        '// command': `${c.commandComment} The consumer applies each event's effect to the database.`,
        command: c.consumer,
        '// env': ENV_COMMENT,
        env: {
          DATABASE_URL: '${DATABASE_URL}',
          KAFKA_BROKERS: '${KAFKA_BROKERS}',
          TOPIC: '${TOPIC}',
          GROUP_ID: '${GROUP_ID}',
        },
        '// readyLog': READY_COMMENT,
        readyLog: 'consumer started',
      },
    },
    '// write':
      "Your app's routes: POST path takes one business command as JSON (docs/sut-contract.md, section 2); GET health answers 200 once it can take writes.",
    write: { http: { path: '/ops', health: '/health' } },
    '// eventId':
      'Where each Kafka message carries the event id your app answered with: a header name, or {"jsonPointer": "/id"} into the JSON value.',
    eventId: { header: 'event-id' },
    observe: {
      '// committedEvents':
        'One row per committed event, with columns event_id, op_id, aggregate_id, seq, payload (jsonb: exactly the value Kafka must carry).',
      committedEvents: fillIn('SELECT event_id, op_id, aggregate_id, seq, payload FROM ...'),
      '// effects':
        'One row per applied effect, in the order applied: event_id, aggregate_id, seq (and optionally applied_at_ms).',
      effects: fillIn('SELECT event_id, aggregate_id, seq FROM ... ORDER BY ...'),
    },
    '// guarantees':
      'true if the events of one aggregate reach Kafka, and are applied, in commit order; claim only what you deliver.',
    guarantees: { perAggregateOrder: true },
  };
  return manifest as unknown as Manifest;
}
