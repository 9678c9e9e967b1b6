#!/usr/bin/env node
// `npm run start:cluster [-- N]`: N gateway processes (default 2) on
// consecutive ports from PORT (default 3000), sharing one PostgreSQL
// (DATABASE_URL, required: the embedded database is single-process) and one
// Redis (REDIS_URL, default redis://127.0.0.1:6379). A JWT_SECRET is
// generated for the group when none is set, so a token works on every node.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');

const count = Number(process.argv[2] ?? 2);
const basePort = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(count) || count < 1 || count > 16) {
  console.error('usage: npm run start:cluster -- [number of processes, 1-16]');
  process.exit(2);
}
if (!process.env.DATABASE_URL) {
  console.error('start:cluster needs DATABASE_URL=postgresql://...: the embedded database serves one process only.');
  process.exit(2);
}
const env = {
  ...process.env,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
};

const children = [];
for (let i = 0; i < count; i++) {
  const port = basePort + i;
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist-demo', 'main.js')], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = `[node ${i + 1} :${port}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(tag + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${tag}exited (${signal ?? code})`);
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(0);
  });
  children.push(child);
}
console.log(`started ${count} processes on ports ${basePort}-${basePort + count - 1}, Redis ${env.REDIS_URL}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });
}
