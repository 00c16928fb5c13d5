import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { packageInfo } from '../../common/package-info.ts';
import { SCHEMA_FILE } from '../../sut/manifest.ts';
import { LANGUAGES, starterManifest, type Language } from '../../sut/starter.ts';
import { out, type CommandContext } from '../context.ts';
import { starterWorkflow } from '../starter-workflow.ts';

const MANIFEST = 'outbox-chaos.json';
const WORKFLOW = path.join('.github', 'workflows', 'outbox-chaos.yml');

interface InitFlags {
  lang?: Language;
  dir: string;
  force?: boolean;
}

/** The name a manifest gets by default: the repository folder's, made fit for the name pattern. */
function defaultName(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 60);
  return name || 'my-outbox';
}

/** Files that say which language a repository's code is in. */
const LANGUAGE_MARKERS: readonly [Language, readonly string[]][] = [
  ['go', ['go.mod']],
  ['java', ['pom.xml', 'build.gradle', 'build.gradle.kts']],
  ['python', ['pyproject.toml', 'requirements.txt', 'setup.py']],
];

function guessLanguage(dir: string): Language {
  return LANGUAGE_MARKERS.find(([, files]) => files.some((f) => fs.existsSync(path.join(dir, f))))?.[0] ?? 'node';
}

/**
 * The schema reference an editor can follow, when outbox-chaos is installed inside the target
 * folder (node_modules); a global or npx install lives elsewhere and would date the file.
 */
function schemaRef(dir: string): string | undefined {
  const rel = path.relative(dir, SCHEMA_FILE);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

/** The files `init` writes into dir, by path relative to it. */
export function starterFiles(language: Language, dir: string): Record<string, string> {
  const manifest = starterManifest(language, defaultName(dir), schemaRef(dir));
  return {
    [MANIFEST]: `${JSON.stringify(manifest, null, 2)}\n`,
    [WORKFLOW]: starterWorkflow(language, packageInfo().version, MANIFEST),
  };
}

export interface InitOutcome {
  readonly language: Language;
  /** Whether the language was guessed from the folder's files. */
  readonly guessed: boolean;
  readonly written: readonly string[];
}

/**
 * Writes the starter files into dir. All or nothing: when any of them exists and force is not
 * given, it refuses before writing anything, so the repository stays exactly as it was.
 */
export function writeStarter(dirArg: string, options: { lang?: Language; force?: boolean } = {}): InitOutcome {
  const dir = path.resolve(dirArg);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new HarnessError(`--dir ${dirArg}: no such folder`);
  const language = options.lang ?? guessLanguage(dir);
  const files = starterFiles(language, dir);
  const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length > 0 && !options.force)
    throw new HarnessError(
      `${existing.map((f) => path.join(dir, f)).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (--force overwrites)`,
    );
  const written: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    written.push(target);
  }
  return { language, guessed: options.lang === undefined, written };
}

/** `init`: a starter manifest and a CI workflow, written into the user's repository. */
export function registerInit(program: Command, _ctx: CommandContext): void {
  program
    .command('init')
    .description(`write a starter ${MANIFEST} for your outbox and a GitHub Actions workflow (${WORKFLOW}) that runs it`)
    .addOption(
      new Option(
        '--lang <language>',
        'the language your SUT is written in (default: go with a go.mod, java with a pom.xml or build.gradle, python with a pyproject.toml or requirements.txt, else node)',
      ).choices(LANGUAGES),
    )
    .option('--dir <dir>', 'the repository to write into', '.')
    .option('--force', 'overwrite files that already exist')
    .action((flags: InitFlags) => {
      const outcome = writeStarter(flags.dir, flags);
      for (const file of outcome.written) out(`wrote ${file}`);
      if (outcome.guessed)
        out(`(--lang ${outcome.language}, from the files in ${path.resolve(flags.dir)}; --lang chooses another)`);
      out(
        `Next: replace the <fill in: ...> values in ${MANIFEST} (each field has a "// ..." note), then run: npx outbox-chaos doctor && npx outbox-chaos run --sut ${MANIFEST}`,
      );
    });
}
