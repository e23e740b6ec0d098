/**
 * The contract between fin-line's process roles (workflows, activities, the worker, the API,
 * the scripts): workflow inputs, results and statuses, signals, queries and updates, workflow
 * and batch ids, failure type names and default timeouts. Pure: workflow code imports it too.
 */
export * from './definitions';
export * from './patterns';
export * from './failures';
export * from './feed';
export * from './pipeline';
export * from './replay';
export * from './redrive';
export * from './archive';
export * from './backtest';
export * from './workflows';
export * from './summaries';
export * from '../lib/temporal/search-attributes';
