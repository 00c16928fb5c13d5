// `outbox-chaos init`: a starter manifest per language that the schema accepts as written, which
// the loader refuses only for the values the user must fill in, and a workflow; never a clobber.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { writeStarter } from '../../harness/cli/commands/init.ts';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { loadManifest } from '../../harness/sut/manifest.ts';
import { LANGUAGES } from '../../harness/sut/starter.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const root = tempDir('outbox-init-');
afterAll(() => removeTempDir(root));

const validate = new Ajv({ allErrors: true }).compile(
  JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'harness', 'sut', 'manifest.schema.json'), 'utf8')),
);

function freshDir(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe('init', () => {
  it.each(LANGUAGES)('%s: a manifest the schema accepts, with a note on each thing to change', (lang) => {
    const dir = freshDir(`lang-${lang}`);
    const outcome = writeStarter(dir, { lang });
    expect(outcome.written.map((f) => path.relative(dir, f))).toEqual([
      'outbox-chaos.json',
      path.join('.github', 'workflows', 'outbox-chaos.yml'),
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'outbox-chaos.json'), 'utf8'));
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    for (const role of ['app', 'relay', 'consumer']) {
      expect(manifest.processes[role]['// command']).toEqual(expect.any(String));
      expect(manifest.processes[role]['// env']).toEqual(expect.any(String));
    }
    for (const note of ['// write', '// eventId', '// schema', '// guarantees'])
      expect(manifest[note]).toEqual(expect.any(String));
    expect(manifest.observe['// committedEvents']).toEqual(expect.any(String));
    expect(manifest.observe['// effects']).toEqual(expect.any(String));
    expect(manifest.processes.relay.readyLog).toBe('relay started');
    const command = {
      node: ['node', 'app.js'],
      go: ['./bin/app'],
      java: ['java', '-jar', 'target/app.jar'],
      python: ['python3', 'app.py'],
    }[lang];
    expect(manifest.processes.app.command).toEqual(command);
    expect(manifest.prepare?.command[0]).toBe({ node: undefined, go: 'go', java: 'mvn', python: undefined }[lang]);

    const workflow = fs.readFileSync(path.join(dir, '.github', 'workflows', 'outbox-chaos.yml'), 'utf8');
    expect(workflow).toMatch(/npm install --global "outbox-chaos@\$\{OUTBOX_CHAOS_VERSION\}"/);
    expect(workflow).toMatch(/outbox-chaos run --sut outbox-chaos\.json /);
    expect(workflow).toMatch(/outbox-chaos doctor/);
    expect(workflow).not.toMatch(/\t/);
  });

  it('a starter not yet edited is refused in one line naming every value to replace', () => {
    const dir = freshDir('unedited');
    writeStarter(dir, { lang: 'node' });
    expect(() => loadManifest(path.join(dir, 'outbox-chaos.json'))).toThrow(
      /^the SUT manifest .*outbox-chaos\.json is a starter not filled in yet: replace the <fill in: \.\.\.> values at \/schema\/file, \/observe\/committedEvents, \/observe\/effects$/,
    );
  });

  it('once the values are filled in, the starter loads, its notes dropped', () => {
    const dir = freshDir('filled');
    writeStarter(dir, { lang: 'node' });
    const file = path.join(dir, 'outbox-chaos.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(path.join(dir, 'schema.sql'), 'CREATE TABLE t (x int);\n');
    m.schema.file = 'schema.sql';
    m.observe.committedEvents = 'SELECT 1';
    m.observe.effects = 'SELECT 2';
    fs.writeFileSync(file, JSON.stringify(m));
    const def = loadManifest(file);
    expect(def.processes.relay.command).toEqual(['node', 'relay.js']);
    expect(Object.keys(def.processes.relay.env)).toEqual(['DATABASE_URL', 'KAFKA_BROKERS', 'TOPIC', 'RELAY_ID']);
    expect(def.schemaSql).toMatch(/CREATE TABLE t/);
  });

  it('refuses to overwrite, writing nothing, unless forced', () => {
    const dir = freshDir('existing');
    const workflow = path.join(dir, '.github', 'workflows', 'outbox-chaos.yml');
    fs.mkdirSync(path.dirname(workflow), { recursive: true });
    fs.writeFileSync(workflow, 'mine\n');
    expect(() => writeStarter(dir, { lang: 'go' })).toThrow(
      /outbox-chaos\.yml already exists; nothing was written \(--force overwrites\)/,
    );
    expect(fs.existsSync(path.join(dir, 'outbox-chaos.json'))).toBe(false);
    expect(fs.readFileSync(workflow, 'utf8')).toBe('mine\n');

    writeStarter(dir, { lang: 'go', force: true });
    expect(fs.readFileSync(workflow, 'utf8')).toMatch(/go-version-file: go\.mod/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'outbox-chaos.json'), 'utf8')).prepare.command[0]).toBe('go');
  });

  it('guesses the language from the repository, and names the manifest after its folder', () => {
    const dir = freshDir('Billing Service');
    fs.writeFileSync(path.join(dir, 'pom.xml'), '<project/>');
    const outcome = writeStarter(dir);
    expect(outcome).toMatchObject({ language: 'java', guessed: true });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'outbox-chaos.json'), 'utf8')).name).toBe('billing-service');
  });

  it('a folder that does not exist is an error', () => {
    expect(() => writeStarter(path.join(root, 'nope'))).toThrow(/--dir .*nope: no such folder/);
  });
});
