export * from './types';
export * from './decimal';
export * from './adapters';
export * from './normalize';
export * from './anomaly';
export * from './backoff';
export * from './partition';
