#!/usr/bin/env node
// Writes `name.br` and `name.gz` beside each text asset of the production build (dist/assets),
// at the highest levels, once per build: alerts-service serves them to browsers that accept the
// encoding (alerts-service/src/routes/precompressed.rs) instead of compressing per request.
// Node's own zlib, so the build needs no extra package. A variant that would not save at least
// 5% is skipped (the server then sends the original).
import { readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = join(import.meta.dirname, '..', 'dist', 'assets');
const TEXT = /\.(js|mjs|css|svg|json|map|txt|html)$/;

let before = 0;
let afterBr = 0;
let files = 0;
for (const name of readdirSync(dir)) {
  if (/\.(br|gz)$/.test(name)) {
    rmSync(join(dir, name)); // left over from an older build
    continue;
  }
  if (!TEXT.test(name)) continue;
  const source = readFileSync(join(dir, name));
  const variants = {
    br: brotliCompressSync(source, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
      },
    }),
    gz: gzipSync(source, { level: 9 }),
  };
  for (const [suffix, data] of Object.entries(variants)) {
    if (data.length <= source.length * 0.95) writeFileSync(join(dir, `${name}.${suffix}`), data);
  }
  before += source.length;
  afterBr += Math.min(variants.br.length, source.length);
  files += 1;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`precompressed ${files} assets: ${kb(before)} → ${kb(afterBr)} with brotli`);
