import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { startStack, type Stack, type StackOptions } from '../infra/index.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { loadManifest } from '../sut/manifest.ts';
import { referenceSut } from '../sut/reference.ts';
import type { RunSettings } from './execute.ts';
import type { Profile } from './profiles.ts';

/** Where a job's stack comes from: one already running (tests, a matrix), or one started for it. */
export interface StackChoice extends Pick<StackOptions, 'provider' | 'basePort' | 'images' | 'kafkaBrokers'> {
  /** An already running stack to use; otherwise one is started and stopped. */
  readonly stack?: Stack;
  readonly log?: (line: string) => void;
}

/** What one run set-up needs beside the stack: the SUT, how hard to look, and which variant. */
export interface RunSetup extends StackChoice {
  readonly def: SutDefinition;
  readonly profile: Pick<Profile, 'drainTimeoutMs'>;
  readonly bug?: string;
}

/** The template database every run copies; one name, so a schema is prepared once per stack. */
const TEMPLATE = 'sut_template';

/**
 * The least time the drain must see no change before it calls a state final, whatever the SUT
 * declares: long enough for a relay's ordinary poll interval and a consumer's commit to show.
 */
const QUIET_MS = 3_000;

/**
 * A SUT loaded once, with what names it for a replay ("reference" or its manifest's absolute
 * path). Loading runs the manifest's prepare command, so a caller running several jobs loads once.
 */
export type LoadedSut = SutDefinition & { readonly source: string };

/** loadSut, keeping where the definition came from. */
export function loadSutFrom(sut: string): LoadedSut {
  return { ...loadSut(sut), source: sut === 'reference' ? 'reference' : path.resolve(sut) };
}

/** "reference", or the path of any implementation's manifest (docs/sut-contract.md). */
export function loadSut(sut: string): SutDefinition {
  if (sut === 'reference') return referenceSut();
  if (sut.endsWith('.json') || fs.existsSync(sut)) return loadManifest(sut);
  throw new HarnessError(
    `unknown SUT "${sut}": use "reference" or the path of a SUT manifest (.json; see docs/sut-contract.md)`,
  );
}

/** How many Kafka brokers the stack has, or will have once started. */
export function stackBrokers(choice: StackChoice): number {
  return choice.stack?.brokers.length ?? choice.kafkaBrokers ?? 1;
}

/** Runs work on the stack asked for; a stack started here is stopped afterwards, whatever happens. */
export async function withStack<T>(choice: StackChoice, work: (stack: Stack) => Promise<T>): Promise<T> {
  const stack =
    choice.stack ??
    (await startStack({
      provider: choice.provider,
      basePort: choice.basePort,
      images: choice.images,
      kafkaBrokers: choice.kafkaBrokers,
      log: choice.log,
    }));
  try {
    return await work(stack);
  } finally {
    if (!choice.stack) await stack.stop();
  }
}

/**
 * The one way a run is set up, for a suite, a replay and a false-alarm count alike: a stack, the
 * SUT's schema in a template database, and the settings every execution takes.
 */
export function withRunSettings<T>(setup: RunSetup, work: (settings: RunSettings) => Promise<T>): Promise<T> {
  return withStack(setup, async (stack) => {
    await stack.prepareTemplate(TEMPLATE, setup.def.schemaSql);
    return work({
      stack,
      def: setup.def,
      template: TEMPLATE,
      bug: setup.bug,
      drainTimeoutMs: setup.profile.drainTimeoutMs,
      quietMs: QUIET_MS,
    });
  });
}

/** A timestamp that can start a folder name: ISO time, with no colons or dots. */
export function folderStamp(at: Date = new Date()): string {
  return at.toISOString().replace(/[:.]/g, '-');
}
