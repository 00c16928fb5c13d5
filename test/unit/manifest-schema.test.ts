// The SUT manifest is described twice: by the JSON schema a third party validates against, and by
// the Manifest interface the loader reads it with. This test reads both and fails when they name
// different fields, or disagree on which fields are required, at any depth.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';

const MANIFEST_TS = path.join(PROJECT_ROOT, 'harness', 'sut', 'manifest.ts');
const SCHEMA_FILE = path.join(PROJECT_ROOT, 'harness', 'sut', 'manifest.schema.json');

/** The structure both sides must agree on: objects' fields (and whether each is required), maps, arrays. */
type Shape =
  | {
      readonly kind: 'object';
      readonly fields: ReadonlyMap<string, { readonly required: boolean; readonly shape: Shape }>;
    }
  | { readonly kind: 'map'; readonly value: Shape }
  | { readonly kind: 'array'; readonly items: Shape }
  | { readonly kind: 'leaf' };

const LEAF: Shape = { kind: 'leaf' };

/** The alternatives of a union as one shape: a field is required only when every alternative requires it. */
function merge(shapes: readonly Shape[]): Shape {
  const objects = shapes.filter((s) => s.kind === 'object');
  if (objects.length === 0) {
    if (shapes.length > 0 && shapes.every((s) => s.kind === 'array'))
      return { kind: 'array', items: merge(shapes.map((s) => s.items)) };
    if (shapes.length > 0 && shapes.every((s) => s.kind === 'map'))
      return { kind: 'map', value: merge(shapes.map((s) => s.value)) };
    return LEAF;
  }
  const names = new Set(objects.flatMap((o) => [...o.fields.keys()]));
  const fields = new Map<string, { required: boolean; shape: Shape }>();
  for (const name of names) {
    const found = objects.map((o) => o.fields.get(name));
    const present = found.filter((f) => f !== undefined);
    fields.set(name, { required: found.every((f) => f?.required), shape: merge(present.map((f) => f.shape)) });
  }
  return { kind: 'object', fields };
}

type JsonSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};

function schemaShape(node: JsonSchema, root: JsonSchema & { definitions?: Record<string, JsonSchema> }): Shape {
  if (node.$ref) return schemaShape(root.definitions![node.$ref.replace('#/definitions/', '')]!, root);
  const alternatives = [...(node.oneOf ?? []), ...(node.anyOf ?? [])];
  if (node.properties || (node.type === 'object' && typeof node.additionalProperties !== 'object')) {
    // Branches that only add `required` constrain the fields listed here; they declare none of their own.
    const branchRequired = alternatives.filter((a) => !a.properties && !a.type).map((a) => new Set(a.required ?? []));
    const fields = new Map<string, { required: boolean; shape: Shape }>();
    for (const [name, sub] of Object.entries(node.properties ?? {})) {
      const required =
        (node.required ?? []).includes(name) || (branchRequired.length > 0 && branchRequired.every((r) => r.has(name)));
      fields.set(name, { required, shape: schemaShape(sub, root) });
    }
    return { kind: 'object', fields };
  }
  if (typeof node.additionalProperties === 'object')
    return { kind: 'map', value: schemaShape(node.additionalProperties, root) };
  if (node.type === 'array' && node.items) return { kind: 'array', items: schemaShape(node.items, root) };
  if (alternatives.length > 0) return merge(alternatives.map((a) => schemaShape(a, root)));
  return LEAF;
}

function typeShape(type: ts.Type, checker: ts.TypeChecker): Shape {
  const t = checker.getNonNullableType(type);
  if (t.isUnion()) return merge(t.types.map((m) => typeShape(m, checker)));
  if (checker.isArrayType(t))
    return { kind: 'array', items: typeShape(checker.getTypeArguments(t as ts.TypeReference)[0]!, checker) };
  if (!(t.flags & ts.TypeFlags.Object) && !t.isIntersection()) return LEAF;
  const props = checker.getPropertiesOfType(t);
  const index = checker.getIndexInfosOfType(t);
  if (props.length === 0 && index.length > 0) return { kind: 'map', value: typeShape(index[0]!.type, checker) };
  const fields = new Map<string, { required: boolean; shape: Shape }>();
  for (const p of props)
    fields.set(p.name, {
      required: !(p.flags & ts.SymbolFlags.Optional),
      shape: typeShape(checker.getTypeOfSymbol(p), checker),
    });
  return { kind: 'object', fields };
}

/** Every place the two shapes differ, as "/path: what". */
function differences(schema: Shape, type: Shape, at = ''): string[] {
  if (schema.kind !== type.kind) return [`${at || '/'}: the schema has ${schema.kind}, the Manifest type ${type.kind}`];
  if (schema.kind === 'array' && type.kind === 'array') return differences(schema.items, type.items, `${at}[]`);
  if (schema.kind === 'map' && type.kind === 'map') return differences(schema.value, type.value, `${at}/*`);
  if (schema.kind !== 'object' || type.kind !== 'object') return [];
  const out: string[] = [];
  for (const name of new Set([...schema.fields.keys(), ...type.fields.keys()])) {
    const s = schema.fields.get(name);
    const t = type.fields.get(name);
    if (!t) out.push(`${at}/${name}: in the schema, not in the Manifest type`);
    else if (!s) out.push(`${at}/${name}: in the Manifest type, not in the schema`);
    else if (s.required !== t.required)
      out.push(
        `${at}/${name}: ${s.required ? 'required' : 'optional'} in the schema, ${t.required ? 'required' : 'optional'} in the Manifest type`,
      );
    else out.push(...differences(s.shape, t.shape, `${at}/${name}`));
  }
  return out;
}

function manifestTypeShape(): Shape {
  const program = ts.createProgram([MANIFEST_TS], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const decl = program
    .getSourceFile(MANIFEST_TS)!
    .statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Manifest');
  if (!decl) throw new Error(`no interface Manifest in ${MANIFEST_TS}`);
  return typeShape(checker.getTypeAtLocation(decl.name), checker);
}

it('the Manifest type and the manifest schema name the same fields, equally required, at every depth', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  const fromSchema = schemaShape(schema, schema);
  const fromType = manifestTypeShape();
  expect(fromSchema.kind === 'object' && fromSchema.fields.size).toBeGreaterThan(10);
  expect(differences(fromSchema, fromType)).toEqual([]);
});

it('would see a field the type lacks, and one that is required on one side only', () => {
  const obj = (fields: Record<string, boolean>): Shape => ({
    kind: 'object',
    fields: new Map(Object.entries(fields).map(([k, required]) => [k, { required, shape: LEAF }])),
  });
  expect(differences(obj({ a: true, b: false }), obj({ a: true }))).toEqual([
    '/b: in the schema, not in the Manifest type',
  ]);
  expect(differences(obj({ a: true }), obj({ a: false }))).toEqual([
    '/a: required in the schema, optional in the Manifest type',
  ]);
});
