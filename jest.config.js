// @nestjs/* 12 ships ESM only, and jest's module system cannot require() ESM:
// swc transforms those packages to CommonJS along with our TypeScript.
// PGlite's CommonJS build still loads node:fs through import(), which jest's vm refuses.
const ESM_PACKAGES = [
  '@nestjs',
  '@electric-sql',
  'file-type',
  'strtok3',
  'token-types',
  'peek-readable',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
];

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // The generated Prisma client imports its TypeScript siblings as './x.js'.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The demo and the tests import the library by its package name, as a host does.
    '^nest-chat-gateway$': '<rootDir>/src/index.ts',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/demo/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 30_000,
};
