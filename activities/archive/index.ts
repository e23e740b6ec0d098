/** The archive's activities: copy a day, verify it, write its manifest, trim Redis. */
export { createArchiveActivities } from './archive-activities';
