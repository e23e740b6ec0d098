export * from './types';
export * from './decimal';
export * from './names';
export * from './input-limits';
export * from './adapters';
export * from './normalize';
export * from './anomaly';
export * from './backoff';
