import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../command.ts';
import { HarnessError } from '../../common/errors.ts';
import { CACHE_DIR, PROJECT_ROOT } from '../../common/paths.ts';
import { ensureProvisioned, KAFKA_VERSION, TOXIPROXY_VERSION, withLock } from '../provision.ts';
import { docker, dockerCli, ensureEngine } from './engine.ts';

export interface ImageSet {
  readonly postgres: string;
  readonly kafka: string;
  readonly toxiproxy: string;
}

/** What a user of the containers provider expects by default. */
export const OFFICIAL_IMAGES: ImageSet = {
  postgres: 'postgres:15',
  kafka: `apache/kafka:${KAFKA_VERSION}`,
  toxiproxy: `ghcr.io/shopify/toxiproxy:${TOXIPROXY_VERSION.replace(/^v/, '')}`,
};

/** Interface-compatible images built here (npm run images), for machines with no registry. */
export const LOCAL_IMAGES: ImageSet = {
  postgres: 'outbox-chaos/postgres:15-local',
  kafka: `outbox-chaos/kafka:${KAFKA_VERSION}-local`,
  toxiproxy: `outbox-chaos/toxiproxy:${TOXIPROXY_VERSION.replace(/^v/, '')}-local`,
};

export const IMAGE_ENV: Record<keyof ImageSet, string> = {
  postgres: 'OUTBOX_CHAOS_POSTGRES_IMAGE',
  kafka: 'OUTBOX_CHAOS_KAFKA_IMAGE',
  toxiproxy: 'OUTBOX_CHAOS_TOXIPROXY_IMAGE',
};

/**
 * The images to run: an explicit override (flag) first, then the per-image env var, then
 * OUTBOX_CHAOS_IMAGES=local (all three local builds), then the official images.
 */
export function chooseImages(
  overrides: Partial<ImageSet> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ImageSet {
  const base = env.OUTBOX_CHAOS_IMAGES === 'local' ? LOCAL_IMAGES : OFFICIAL_IMAGES;
  if (
    env.OUTBOX_CHAOS_IMAGES !== undefined &&
    env.OUTBOX_CHAOS_IMAGES !== 'local' &&
    env.OUTBOX_CHAOS_IMAGES !== 'official'
  ) {
    throw new HarnessError(`OUTBOX_CHAOS_IMAGES must be "local" or "official", got "${env.OUTBOX_CHAOS_IMAGES}"`);
  }
  const pick = (k: keyof ImageSet) => overrides[k] ?? env[IMAGE_ENV[k]] ?? base[k];
  return { postgres: pick('postgres'), kafka: pick('kafka'), toxiproxy: pick('toxiproxy') };
}

export function imagePresent(image: string): boolean {
  try {
    docker(['image', 'inspect', '--format', '{{.Id}}', image]);
    return true;
  } catch {
    return false;
  }
}

interface Recipe {
  readonly tag: string;
  /** Debian packages for debootstrap; none means an image from scratch. */
  readonly packages?: readonly string[];
  /** Files to place in the root file system: [path in the image, the file to copy there]. */
  readonly files: () => readonly (readonly [string, string])[];
  readonly changes: readonly string[];
}

const IMAGES_DIR = path.join(PROJECT_ROOT, 'provision', 'images');

function recipes(provisioned: { kafkaLibs: string; toxiproxyServer: string }): Record<keyof ImageSet, Recipe> {
  return {
    postgres: {
      tag: LOCAL_IMAGES.postgres,
      packages: ['postgresql-15'],
      files: () => [['usr/local/bin/docker-entrypoint.sh', path.join(IMAGES_DIR, 'postgres-entrypoint.sh')]],
      changes: [
        'ENV PGDATA=/var/lib/postgresql/data',
        'EXPOSE 5432',
        'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
        'CMD ["postgres"]',
      ],
    },
    kafka: {
      tag: LOCAL_IMAGES.kafka,
      packages: ['openjdk-17-jre-headless'],
      files: () => [
        ['etc/kafka/docker/run', path.join(IMAGES_DIR, 'kafka-run.sh')],
        ['opt/kafka/config/log4j.properties', path.join(IMAGES_DIR, 'kafka-log4j.properties')],
        ...fs
          .readdirSync(provisioned.kafkaLibs)
          .filter((f) => f.endsWith('.jar'))
          .map((f) => [`opt/kafka/libs/${f}`, path.join(provisioned.kafkaLibs, f)] as const),
      ],
      changes: ['EXPOSE 9092', 'ENTRYPOINT ["/etc/kafka/docker/run"]'],
    },
    toxiproxy: {
      tag: LOCAL_IMAGES.toxiproxy,
      files: () => [['toxiproxy', provisioned.toxiproxyServer]],
      changes: ['EXPOSE 8474', 'ENTRYPOINT ["/toxiproxy"]', 'CMD ["-host=0.0.0.0"]'],
    },
  };
}

/** A recipe's fingerprint, kept as an image label: an unchanged recipe is not built again. */
function fingerprint(recipe: Recipe): string {
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify({ packages: recipe.packages ?? [], changes: recipe.changes }));
  for (const [dest, source] of recipe.files()) {
    hash.update(dest);
    hash.update(fs.readFileSync(source));
  }
  return hash.digest('hex').slice(0, 16);
}

function labelOf(image: string): string | undefined {
  try {
    return (
      docker(['image', 'inspect', '--format', '{{index .Config.Labels "outbox-chaos.recipe"}}', image]).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * Builds the three local images: a Debian bookworm root file system from debootstrap with the
 * image's packages, the provisioned Kafka jars or toxiproxy binary and an entry point added, turned
 * into an image with docker import. Skips an image whose recipe has not changed.
 */
export async function buildLocalImages(
  options: { force?: boolean; log?: (line: string) => void } = {},
): Promise<ImageSet> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  await ensureEngine(log);
  const provisioned = await ensureProvisioned({ log });
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Test workers may ask at once; one builds, the others then find the images up to date.
  await withLock(path.join(CACHE_DIR, '.images.lock'), log, () =>
    buildMissing(provisioned, options.force ?? false, log),
  );
  return LOCAL_IMAGES;
}

async function buildMissing(
  provisioned: { kafkaLibs: string; toxiproxyServer: string },
  force: boolean,
  log: (line: string) => void,
): Promise<void> {
  for (const recipe of Object.values(recipes(provisioned))) {
    const print = fingerprint(recipe);
    if (!force && labelOf(recipe.tag) === print) {
      log(`[images] ${recipe.tag}: up to date`);
      continue;
    }
    const started = Date.now();
    log(
      `[images] ${recipe.tag}: building${recipe.packages ? ` (debootstrap bookworm + ${recipe.packages.join(' ')})` : ''}...`,
    );
    await buildOne(recipe, print);
    log(`[images] ${recipe.tag}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

async function buildOne(recipe: Recipe, print: string): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-image-'));
  try {
    if (recipe.packages) {
      const cacheDir = path.join(CACHE_DIR, 'debootstrap');
      fs.mkdirSync(cacheDir, { recursive: true });
      const debootstrap = ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].find((p) => fs.existsSync(p));
      if (!debootstrap)
        throw new HarnessError('building local images needs debootstrap (Debian: apt-get install debootstrap)');
      await runCommand(debootstrap, [
        '--variant=minbase',
        `--include=${recipe.packages.join(',')}`,
        `--cache-dir=${cacheDir}`,
        'bookworm',
        root,
        'http://deb.debian.org/debian',
      ]);
      // Package caches and lists only make the image bigger.
      for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists'])
        fs.rmSync(path.join(root, dir), { recursive: true, force: true });
    }
    for (const [dest, source] of recipe.files()) {
      const target = path.join(root, dest);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
      fs.chmodSync(target, fs.statSync(source).mode & 0o111 ? 0o755 : 0o644);
    }
    await importTree(root, recipe.tag, [...recipe.changes, `LABEL outbox-chaos.recipe=${print}`]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** tar -C root -c . | docker import --change ... - tag */
function importTree(root: string, tag: string, changes: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-C', root, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const imp = spawn(dockerCli(), ['import', ...changes.flatMap((c) => ['--change', c]), '-', tag], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let errors = '';
    tar.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    imp.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    tar.stdout.pipe(imp.stdin);
    imp.on('close', (code) =>
      code === 0 ? resolve() : reject(new HarnessError(`docker import of ${tag} failed: ${errors.trim().slice(-500)}`)),
    );
    tar.on('error', reject);
    imp.on('error', reject);
  });
}
