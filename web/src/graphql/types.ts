/** The shapes of the console's operations' results (web/operations/*.graphql). */

export type Role = 'viewer' | 'operator' | 'admin';

export interface Me {
  readonly me: { readonly subject: string; readonly role: Role; readonly via: string };
}

export interface Feed {
  readonly name: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowStatus: string;
  readonly state: string | null;
  readonly adapter: string | null;
  readonly connected: boolean | null;
  readonly throttled: boolean | null;
  readonly lag: number | null;
  readonly messagesPerSecond: number | null;
  readonly eventsPerSecond: number | null;
  readonly eventsTotal: number | null;
  readonly reconnectsTotal: number | null;
  readonly lastMessageAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

export interface Stage {
  readonly stage: string;
  readonly batches: number;
  readonly events: number;
  readonly out: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  readonly anomalies: number;
  readonly failed: number;
  readonly lag: number | null;
  readonly eventsPerSecond: number | null;
  readonly lastBatchId: string | null;
}

export interface StreamGroup {
  readonly name: string;
  readonly lag: number | null;
  readonly pending: number;
  readonly consumers: number;
}

export interface Pipeline {
  readonly pipeline: {
    readonly workflowId: string;
    readonly runId: string | null;
    readonly workflowStatus: string;
    readonly lastFailure: string | null;
    readonly stages: readonly Stage[];
    readonly streams: readonly {
      readonly name: string;
      readonly length: number;
      readonly groups: readonly StreamGroup[];
    }[];
  };
  readonly failedBatches: { readonly totalCount: number };
  readonly deadLetters: { readonly totalCount: number };
}

export interface Quote {
  readonly ticker: string;
  readonly kind: string;
  readonly price: number;
  readonly priceText: string;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly time: string;
  readonly sector: string;
  readonly feed: string;
}

export interface Anomaly {
  readonly id: string;
  readonly type: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly ticker: string;
  readonly price: number;
  readonly priceText: string;
  readonly statistic: number;
  readonly threshold: number;
  readonly time: string;
  readonly detectedAt: number;
}

export interface WorkflowRun {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowStatus: string;
  readonly startTime?: string;
  readonly closeTime?: string | null;
}

export interface FailedBatch {
  readonly batchId: string;
  readonly stage: string;
  readonly stream: string;
  readonly size: number;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
  readonly replay: WorkflowRun | null;
}

export interface DeadLetter {
  readonly id: string;
  readonly partition: number;
  readonly reason: string;
  readonly feed: string;
  readonly adapter: string;
  readonly sourceStreamId: string;
  readonly payload: string;
  readonly time: string;
  readonly redrivenFrom: string | null;
  /** What a redrive made of it; null until one took it. */
  readonly redrive: {
    readonly outcome: string;
    readonly workflowId: string;
    readonly detail: string | null;
  } | null;
}

export interface Page<T> {
  readonly totalCount: number;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly edges: readonly { readonly node: T }[];
}

export interface ArchiveDay {
  readonly day: string;
  readonly status: 'archived' | 'running' | 'failed' | 'missing';
  readonly manifest: boolean | null;
  readonly workflow: WorkflowRun | null;
}

export interface WorkflowRef {
  readonly workflowId: string;
  readonly runId: string;
  readonly started?: boolean;
}
