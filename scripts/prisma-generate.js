#!/usr/bin/env node
// Runs `prisma generate` so that it works with no network access.
// Prisma 7's client has no native query engine, but the CLI still looks for
// the schema-engine binary's checksum online before generating. Generating
// does not use that engine, so we tell the CLI to skip the checksum and point
// it at a harmless existing file. With network access these are no-ops.
const { spawnSync } = require('node:child_process');

const env = {
  ...process.env,
  PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
