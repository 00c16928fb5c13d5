// The manifest's prepare step: builds the Spring Boot jar with Maven into target/, once per change of the
// sources. The local Maven repository lives in the project cache; after the first build has filled it, Maven
// runs offline (-o), and falls back to the network only if an offline build fails (a dependency was added).
// With nothing changed it only hashes the sources and exits.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../harness/infra/command.ts';
import { findMaven } from '../../harness/infra/tools.ts';
import { CACHE_DIR } from '../../harness/common/paths.ts';
import { runMain } from '../../reference-impl/lib/config.ts';

export const MODULITH_VERSION = '2.0.3';
const here = path.dirname(new URL(import.meta.url).pathname);
const jar = path.join(here, 'target', 'outbox-chaos-modulith.jar');
const stamp = path.join(here, 'target', 'outbox-chaos-sources.sha256');
const repo = path.join(CACHE_DIR, `spring-modulith-${MODULITH_VERSION}`, 'm2');
const filled = path.join(repo, '.filled');

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** A hash of everything the jar is built from, so an edit rebuilds it and nothing else does. */
function sourceHash(): string {
  const hash = crypto.createHash('sha256');
  for (const f of [path.join(here, 'pom.xml'), ...files(path.join(here, 'src')).sort()]) {
    hash.update(path.relative(here, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

runMain('spring-modulith prepare', async () => {
  const wanted = sourceHash();
  if (fs.existsSync(jar) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) return;
  const mvn = findMaven();
  const build = (offline: boolean) =>
    runCommand(mvn, [
      '-B',
      '-q',
      ...(offline ? ['-o'] : []),
      `-Dmaven.repo.local=${repo}`,
      '-f',
      path.join(here, 'pom.xml'),
      'package',
      '-DskipTests',
    ]);
  fs.rmSync(stamp, { force: true });
  if (fs.existsSync(filled)) {
    try {
      await build(true);
    } catch {
      await build(false);
    }
  } else {
    await build(false);
    fs.writeFileSync(filled, `${new Date().toISOString()}\n`);
  }
  if (!fs.existsSync(jar)) throw new Error(`Maven finished but ${jar} is missing`);
  fs.writeFileSync(stamp, `${wanted}\n`);
});
