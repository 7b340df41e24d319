#!/usr/bin/env node
// Exits 0 when DIR/node_modules holds a complete install of DIR/package-lock.json, 1 (saying why
// on stderr) when it must be reinstalled: missing, interrupted half-way, or from another lock.
//
//   node scripts/lib/node-modules-ok.mjs frontend
//
// npm writes node_modules/.package-lock.json last, listing what it installed. An interrupted
// `npm ci` leaves it missing (or an older one next to half the packages), so every non-optional
// package of the lock must be listed there at the lock's version and have its package.json on
// disk (the check that catches "sh: tsc: not found"). Optional packages for other platforms are
// never installed, so those may be absent; when present they must match too.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function installProblem(dir) {
  const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
  const lockPath = join(dir, 'package-lock.json');
  const hiddenPath = join(dir, 'node_modules', '.package-lock.json');
  if (!existsSync(join(dir, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(hiddenPath)) return 'node_modules/.package-lock.json is missing (an install did not finish)';
  let lock;
  let hidden;
  try {
    lock = read(lockPath).packages ?? {};
    hidden = read(hiddenPath).packages ?? {};
  } catch (error) {
    return `a lock file is unreadable: ${error.message}`;
  }
  for (const [path, entry] of Object.entries(lock)) {
    if (path === '' || !path.includes('node_modules/') || entry.link) continue;
    const installed = hidden[path];
    if (!installed) {
      if (entry.optional) continue;
      return `${path} is not installed`;
    }
    if (installed.version !== entry.version) {
      return `${path} is ${installed.version}, the lock wants ${entry.version}`;
    }
    if (!existsSync(join(dir, path, 'package.json'))) return `${path} is listed but missing on disk`;
  }
  for (const path of Object.keys(hidden)) {
    if (!(path in lock)) return `${path} is installed but not in package-lock.json`;
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problem = installProblem(process.argv[2] ?? '.');
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
