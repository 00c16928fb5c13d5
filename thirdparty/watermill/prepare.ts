// The manifest's prepare step: builds the Watermill SUT (one Go binary for all roles) with
// `go build` into the project cache, keyed by a hash of its sources, and points ./watermill-sut
// at it. A second run with unchanged sources builds nothing. Modules come through the Go module
// proxy the environment names; the build is never part of `npm test`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CACHE_DIR } from '../../harness/common/paths.ts';
import { runCommand } from '../../harness/infra/command.ts';
import { findGo } from '../../harness/infra/tools.ts';
import { runMain } from '../../reference-impl/lib/config.ts';

const BINARY = 'watermill-sut';

function sourceHash(dir: string): string {
  const hash = crypto.createHash('sha256');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort();
  for (const f of files)
    hash
      .update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(dir, f)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

runMain('watermill prepare', async () => {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const target = path.join(CACHE_DIR, 'watermill-sut', sourceHash(here));
  const binary = path.join(target, BINARY);
  if (!fs.existsSync(binary)) {
    const scratch = `${binary}.partial-${process.pid}`;
    fs.mkdirSync(target, { recursive: true });
    // GOTOOLCHAIN=local: never download a toolchain; -mod=mod: go.sum may gain the hashes of
    // modules the proxy serves for the pinned versions.
    await runCommand(findGo(), ['build', '-trimpath', '-o', scratch, '.'], {
      cwd: here,
      env: { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    });
    fs.renameSync(scratch, binary);
  }
  // The manifest starts ./watermill-sut; a symlink per checkout, replaced atomically.
  const link = path.join(here, BINARY);
  if (fs.existsSync(link) && fs.realpathSync(link) === binary) return;
  const tmp = `${link}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(binary, tmp);
  fs.renameSync(tmp, link);
});
