/**
 * Stream entry and hash layouts, one file per kind of entry: flat field lists as Redis stores
 * them. Encoders return [f1, v1, f2, v2, ...]; decoders take the same from XRANGE / XREADGROUP.
 */
export * from './fields';
export * from './raw';
export * from './tick';
export * from './dead-letter';
export * from './anomaly';
export * from './quote';
export * from './failed-batch';
