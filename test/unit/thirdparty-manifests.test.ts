// Every third-party manifest matches the manifest schema. This reads the JSON only: loading a
// manifest runs its prepare step (a Go build, a Maven fetch), which belongs to
// `npm run test:thirdparty`, not to the stack-free tier.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { SCHEMA_FILE } from '../../harness/sut/manifest.ts';

const THIRDPARTY = path.join(PROJECT_ROOT, 'thirdparty');

function manifests(): string[] {
  return fs
    .readdirSync(THIRDPARTY, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(THIRDPARTY, d.name))
        .filter((f) => /^outbox-chaos(\..+)?\.json$/.test(f))
        .map((f) => path.join(d.name, f)),
    )
    .sort();
}

describe('third-party manifests', () => {
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));

  it('are found', () => {
    expect(manifests()).toEqual(expect.arrayContaining(['debezium/outbox-chaos.json', 'watermill/outbox-chaos.json']));
  });

  it.each(manifests())('%s matches the manifest schema', (file) => {
    const manifest: unknown = JSON.parse(fs.readFileSync(path.join(THIRDPARTY, file), 'utf8'));
    validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
  });
});
