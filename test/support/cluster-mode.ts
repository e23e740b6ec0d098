// Setup file of the jest project `cluster`: its suites run on the Redis Cluster (see stack.ts).
process.env.FIN_LINE_TEST_REDIS_MODE = 'cluster';
