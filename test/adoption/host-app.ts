import { ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

/**
 * The pieces of the adoption test: the library packed as npm ships it, a
 * host app (./fixture) installed beside it from the tarball, compiled with
 * its own TypeScript, and run as a separate process on its own database.
 */
const REPO = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'fixture');

/** What the host itself depends on, at the versions this repository has installed (the npm cache holds them). */
const HOST_DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/websockets',
  '@nestjs/platform-socket.io',
  '@nestjs/jwt',
  'socket.io',
  'rxjs',
  'reflect-metadata',
  'class-validator',
  'class-transformer',
  'pg',
  'typescript',
  '@types/node',
  '@types/pg',
];

const execFileAsync = promisify(execFile);

/** Runs a command, failing with its output (npm and tsc say what went wrong on stdout as often as on stderr). */
export async function run(command: string, args: string[], cwd: string): Promise<string> {
  // Set by `npm test`/`npx`; npm would take them as this repository's prefix.
  const env = { ...process.env, npm_config_prefix: undefined, npm_config_local_prefix: undefined };
  try {
    const { stdout } = await execFileAsync(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: error,
    });
  }
}

/** `npm pack` of this repository (prepack builds the library); returns the tarball's path. */
export async function packLibrary(destination: string): Promise<string> {
  mkdirSync(destination, { recursive: true });
  await run('npm', ['pack', '--pack-destination', destination], REPO);
  const tarballs = readdirSync(destination).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`expected one tarball in ${destination}, found ${tarballs.join(', ')}`);
  return join(destination, tarballs[0]);
}

/** Copies the fixture to `dir`, installs the tarball and the host's dependencies, and compiles the host. */
export async function installHost(dir: string, tarball: string): Promise<void> {
  cpSync(FIXTURE, dir, { recursive: true });
  const dependencies: Record<string, string> = { 'nest-chat-gateway': `file:${tarball}` };
  for (const name of HOST_DEPENDENCIES) {
    const manifest = JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8'));
    dependencies[name] = manifest.version;
  }
  const manifest = { name: 'adopting-host', version: '1.0.0', private: true, dependencies };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  await compileHost(dir);
}

/** The host's own `tsc`, with its own tsconfig (extra flags, e.g. `--noEmit`, appended). */
export function compileHost(dir: string, ...flags: string[]): Promise<string> {
  return run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', ...flags], dir);
}

/** Every installed copy of `name` under `dir`'s node_modules, nested ones included. */
export function installedCopies(dir: string, name: string): string[] {
  const suffix = ['node_modules', ...name.split('/'), 'package.json'].join(sep);
  return readdirSync(join(dir, 'node_modules'), { recursive: true })
    .map((entry) => join(dir, 'node_modules', entry.toString()))
    .filter((path) => path.endsWith(`${sep}${suffix}`));
}

export interface HostProcess {
  url: string;
  child: ChildProcess;
  /** Everything the host wrote, stdout and stderr apart. */
  output: { stdout: string; stderr: string };
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts the compiled host (`node dist/main.js`) on a free port and resolves once it listens. */
export function startHost(dir: string, env: Record<string, string>, timeoutMs = 30_000): Promise<HostProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, ...env, PORT: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`host did not listen within ${timeoutMs} ms:\n${output.stdout}\n${output.stderr}`));
    }, timeoutMs);
    const onData = (): void => {
      const port = /listening on port (\d+)/.exec(output.stdout)?.[1];
      if (!port) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolvePromise({ url: `http://127.0.0.1:${port}`, child, output, exited, stop });
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`host exited (${code ?? signal}) before listening:\n${output.stdout}\n${output.stderr}`));
    });
  });
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** One JSON request to the host. */
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
