/**
 * Imported first by benches that run the API in their own process: graphql-js picks its
 * `instanceOf` when it loads, and outside production that one compares constructor names on
 * every schema-type check (a few % of a `quote` request's CPU). The API runs with
 * NODE_ENV=production (Dockerfile, Helm values, `npm run bench:api`), so the bench does too.
 */
process.env.NODE_ENV ??= 'production';
