/** Every workflow the worker registers (its workflowsPath). */
export * from './ingest-feed';
export * from './pipeline';
export * from './replay-batch';
export * from './archive-day';
