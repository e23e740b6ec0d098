/** Built by scripts/build-console.ts from web/operations/*.graphql: text and SHA-256 of each. */
declare module 'console-operations' {
  export interface Operation {
    readonly name: string;
    readonly query: string;
    readonly hash: string;
  }
  export const operations: Readonly<Record<string, Operation>>;
}
