#!/usr/bin/env node
// Generates src/lib/api-types.ts from the committed OpenAPI document (openapi.json), so builds
// never need a running server. openapi.json is exactly what alerts-service serves at
// /api/openapi.json; a unit test there fails when they differ. Refresh both, from the repository
// root, with
//   UPDATE_OPENAPI=1 cargo test -p alerts-service --lib routes::docs && (cd frontend && npm run gen:api)
//
// OpenAPI requires operationIds to be unique, but utoipa takes them from handler function names
// and two modules can both have a `list` or `create`: such duplicates would become duplicate
// TypeScript identifiers, so they are renamed here (`list` → `list_tokens`, from the first tag or
// the path) before generating. The document on disk is left as the server wrote it.

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const input = join(root, process.argv[2] ?? 'openapi.json');
const output = join(root, process.argv[3] ?? 'src/lib/api-types.ts');

const doc = JSON.parse(await readFile(input, 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  METHODS.filter((m) => item?.[m]).map((method) => ({ path, method, op: item[method] })),
);
const counts = new Map();
for (const { op } of operations) if (op.operationId) counts.set(op.operationId, (counts.get(op.operationId) ?? 0) + 1);
const renamed = [];
for (const { path, method, op } of operations) {
  if (!op.operationId || counts.get(op.operationId) < 2) continue;
  const scope = op.tags?.[0] ?? path.split('/').filter((s) => s && !s.startsWith('{')).pop() ?? method;
  const next = `${op.operationId}_${scope}`.replace(/[^A-Za-z0-9_]/g, '_');
  renamed.push(`${method.toUpperCase()} ${path}: ${op.operationId} → ${next}`);
  op.operationId = next;
}
if (renamed.length) console.warn(`duplicate operationIds renamed for the types:\n  ${renamed.join('\n  ')}`);

const ast = await openapiTS(doc);
await writeFile(output, `${COMMENT_HEADER}${astToString(ast)}`);
console.log(`${input} → ${output}`);
