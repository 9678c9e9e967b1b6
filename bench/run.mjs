// Entry point of `npm run bench` (node bench/run.mjs [options]; --help lists them): compiles the bench's
// TypeScript (bench/*.ts) to dist-bench/ with the project's own tsc, then runs it. The gateway itself must have
// been built (`npm run build`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write('bench: compiling bench/*.ts failed\n');
  process.exit(build.status ?? 1);
}
await import(pathToFileURL(join(here, '..', 'dist-bench', 'main.js')).href);
