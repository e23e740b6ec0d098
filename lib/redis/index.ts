export * from './keys';
export * from './client';
export * from './commit';
export * from './codec';
export * from './readers';
