// node --test scripts/lib/node-modules-ok.test.mjs  (part of scripts/test.sh)
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { installProblem } from './node-modules-ok.mjs';

const LOCK = {
  packages: {
    '': { name: 'app' },
    'node_modules/typescript': { version: '5.9.3' },
    'node_modules/react': { version: '19.3.1' },
    'node_modules/@rolldown/binding-android-arm64': { version: '1.0.0', optional: true },
  },
};

/** A project dir with the lock, and node_modules holding `installed` (name → version). */
function project({ installed, hidden = installed, writeHidden = true }) {
  const dir = mkdtempSync(join(tmpdir(), 'nm-check-'));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(LOCK));
  mkdirSync(join(dir, 'node_modules'));
  for (const [name, version] of Object.entries(installed)) {
    mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  if (writeHidden) {
    const packages = Object.fromEntries(Object.entries(hidden).map(([n, v]) => [`node_modules/${n}`, { version: v }]));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({ packages }));
  }
  return dir;
}

const complete = { typescript: '5.9.3', react: '19.3.1' };

test('a complete install passes, without the other platforms’ optional packages', () => {
  const dir = project({ installed: complete });
  assert.equal(installProblem(dir), undefined);
  rmSync(dir, { recursive: true });
});

test('an interrupted install (no hidden lock yet) is caught', () => {
  const dir = project({ installed: { react: '19.3.1' }, writeHidden: false });
  assert.match(installProblem(dir), /did not finish/);
  rmSync(dir, { recursive: true });
});

test('a listed package missing on disk is caught (the "tsc: not found" case)', () => {
  const dir = project({ installed: { react: '19.3.1' }, hidden: complete });
  assert.match(installProblem(dir), /typescript is listed but missing/);
  rmSync(dir, { recursive: true });
});

test('an install of another lock is caught', () => {
  const dir = project({ installed: { ...complete, typescript: '5.8.0' } });
  assert.match(installProblem(dir), /typescript is 5\.8\.0, the lock wants 5\.9\.3/);
  rmSync(dir, { recursive: true });
});

test('no node_modules at all is caught', () => {
  const dir = project({ installed: complete });
  rmSync(join(dir, 'node_modules'), { recursive: true });
  assert.match(installProblem(dir), /node_modules is missing/);
  rmSync(dir, { recursive: true });
});
