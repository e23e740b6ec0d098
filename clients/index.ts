/**
 * The Temporal client side of the contract, shared by the API and the scripts: typed workflow
 * starts and handles, the starters of the standing workflows, and the archive Schedule.
 */
export * from './workflow-client';
export * from './starters';
export * from './archive-schedule';
export * from './legacy-pipeline';
export { createTemporalClient } from './temporal-client';
export * from './backtest';
