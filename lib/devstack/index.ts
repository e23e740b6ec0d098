export * from './binaries';
export * from './child';
export * from './ports';
export * from './redis-server';
export * from './temporal-server';
export * from './ephemeral';
export * from './redis-cluster';
