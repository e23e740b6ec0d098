/**
 * Two projects over one stack (test/support/global-setup.ts starts a Redis, a 3-master Redis
 * Cluster and a Temporal dev server once): `single` runs every suite on the single Redis;
 * `cluster` runs the suites below again on the Redis Cluster.
 */
const CLUSTER_SUITES = [
  '<rootDir>/test/lib/redis/commit.test.ts',
  '<rootDir>/test/activities/pipeline/redrive.test.ts',
  '<rootDir>/test/workflows/pipeline.test.ts',
  '<rootDir>/test/workers/kill-pipeline.test.ts',
  // The API's Redis reads, pub/sub and blocking tails across partitions (one slot each).
  '<rootDir>/test/api/queries.test.ts',
  '<rootDir>/test/api/partitioned-reads.test.ts',
  '<rootDir>/test/api/subscriptions.test.ts',
  '<rootDir>/test/api/stream-merge.test.ts',
  '<rootDir>/test/api/venues.test.ts',
  // The archive's Redis side (per-partition copy, trim, restore) on the cluster; Parquet sink only.
  '<rootDir>/test/workflows/archive-day.test.ts',
];

const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // uuid >= 12 (under @dsnp/parquetjs → thrift) ships ESM only; jest's require needs CommonJS.
    '/node_modules/(.+/)?uuid/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(.+/)?uuid/)'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...base, displayName: 'single', testMatch: ['**/*.test.ts'] },
    {
      ...base,
      displayName: 'cluster',
      testMatch: CLUSTER_SUITES,
      setupFiles: ['<rootDir>/test/support/cluster-mode.ts'],
    },
  ],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Two cores: the Temporal server and Redis need one of them.
  maxWorkers: 1,
  // Suites run in band, in this process: one leaked socket or timer of any suite would keep
  // it alive after the last test (a full run of 106 suites did, once every suite had passed,
  // and CI would then wait for its time limit). Results are final by then; exit.
  forceExit: true,
};
