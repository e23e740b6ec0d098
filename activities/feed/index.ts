/** Feed ingestion: the runFeed activity and the pieces of one feed run. */
export { createIngestActivities } from './run-feed';
