export * from './keys';
export * from './client';
export * from './scripts';
export * from './commit';
export * from './codec';
export * from './readers';
export * from './stream-ids';
export * from './stream-info';
