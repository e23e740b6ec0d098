import type { Redis } from './client';

/** How a batch proves it has not been committed before (see scripts/commit-batch.lua). */
export type CommitMode =
  | { readonly kind: 'ack' }
  | { readonly kind: 'once'; readonly markerKey: string; readonly ttlSeconds: number };

export interface CommitResult {
  /** False when an earlier attempt or replay already committed this batch: nothing changed. */
  readonly applied: boolean;
  /** True when a newer attempt of the consumer holds its lease: nothing changed, stop. */
  readonly fenced: boolean;
  readonly acked: number;
  readonly xadds: number;
  readonly latestWritten: number;
  /** Writes skipped by a `dedupe` guard because their member was seen before. */
  readonly duplicates: number;
}

type Op =
  | [code: 'X', key: number, maxLen: number, fields: readonly string[]]
  | [code: 'H', key: number, fields: readonly string[]]
  | [code: 'S', key: number, member: string]
  | [
      code: 'L',
      venue: number,
      latest: number,
      venues: number,
      feed: string,
      order: string,
      channel: number,
      message: string,
      fields: readonly string[],
    ]
  | [code: 'I', key: number, field: string, by: number]
  | [code: 'D', key: number, member: string, skip: number]
  | [
      code: 'A',
      key: number,
      maxLen: number,
      field: string,
      values: string[],
      guardKeys: number[],
      guardMembers: string[],
    ];

/** A de-duplication guard: the write applies only if `member` is new to `set`. */
export interface DedupeGuard {
  readonly set: string;
  readonly member: string;
  readonly ttlSeconds: number;
  readonly counter: { readonly hash: string; readonly field: string };
}

/**
 * Collects a batch's writes and commits them with its acknowledgements in one Lua call.
 * Values are strings on the wire; the builder keeps the key list de-duplicated.
 */
export class BatchCommit {
  private readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  private readonly ops: Op[] = [];
  private dedupeConfig: [ttlSeconds: number, counterKey: number, field: string] | undefined;
  private fence: [leaseKey: number, token: string] | undefined;

  constructor(
    private readonly source: string,
    private readonly group: string,
    private readonly ids: readonly string[],
    private readonly mode: CommitMode = { kind: 'ack' },
  ) {}

  private key(k: string): number {
    let i = this.keyIndex.get(k);
    if (i === undefined) {
      this.keys.push(k);
      i = this.keys.length;
      this.keyIndex.set(k, i);
    }
    return i;
  }

  /** XADD (with MAXLEN ~ maxLen when maxLen > 0). `fields` is a flat [f1, v1, f2, v2, ...]. */
  xadd(stream: string, fields: readonly string[], maxLen = 0): this {
    this.ops.push(['X', this.key(stream), maxLen, fields]);
    return this;
  }

  hset(hash: string, fields: readonly string[]): this {
    if (fields.length === 0) return this;
    this.ops.push(['H', this.key(hash), fields]);
    return this;
  }

  sadd(set: string, member: string): this {
    this.ops.push(['S', this.key(set), member]);
    return this;
  }

  /**
   * Writes one venue's latest-quote hash unless it already holds a tick later in `order` (see
   * quoteOrderKey); when it writes, it adds the feed to the ticker's venues, publishes
   * `message` on the (sharded) channel, and writes the ticker's latest hash over all venues
   * under the same rule.
   */
  latest(q: {
    readonly venueHash: string;
    readonly latestHash: string;
    readonly venuesSet: string;
    readonly feed: string;
    readonly order: string;
    readonly channel: string;
    readonly message: string;
    readonly fields: readonly string[];
  }): this {
    this.ops.push([
      'L',
      this.key(q.venueHash),
      this.key(q.latestHash),
      this.key(q.venuesSet),
      q.feed,
      q.order,
      this.key(q.channel),
      q.message,
      q.fields,
    ]);
    return this;
  }

  /** HINCRBY: counters that must move exactly when the batch's writes do. */
  hincrby(hash: string, field: string, by: number): this {
    if (by !== 0) this.ops.push(['I', this.key(hash), field, by]);
    return this;
  }

  /**
   * Guards the next `skip` ops: they apply only if `member` was not yet in `set`, which
   * expires `ttlSeconds` after its first member; otherwise `counter.field` goes up by one.
   * Checked inside the commit, so two batches racing with the same member cannot both apply.
   */
  dedupe(
    set: string,
    member: string,
    ttlSeconds: number,
    counter: { readonly hash: string; readonly field: string },
    skip = 1,
  ): this {
    this.setDedupeConfig(ttlSeconds, counter);
    this.ops.push(['D', this.key(set), member, skip]);
    return this;
  }

  /**
   * XADD of a one-field entry (`field` = `value`), optionally guarded. Consecutive appends to
   * the same stream travel as one run op (see the script): the hot path of normalization.
   * The stream is trimmed once per run (MAXLEN ~ maxLen when maxLen > 0).
   */
  append(stream: string, field: string, value: string, maxLen = 0, guard?: DedupeGuard): this {
    const key = this.key(stream);
    const last = this.ops[this.ops.length - 1];
    let run: Extract<Op, { 0: 'A' }>;
    if (last && last[0] === 'A' && last[1] === key && last[2] === maxLen && last[3] === field) {
      run = last;
    } else {
      run = ['A', key, maxLen, field, [], [], []];
      this.ops.push(run);
    }
    run[4].push(value);
    if (guard) {
      this.setDedupeConfig(guard.ttlSeconds, guard.counter);
      run[5].push(this.key(guard.set));
      run[6].push(guard.member);
    } else {
      run[5].push(0);
      run[6].push('');
    }
    return this;
  }

  // Sent once per batch (see the script): every guard of a batch shares them.
  private setDedupeConfig(
    ttlSeconds: number,
    counter: { readonly hash: string; readonly field: string },
  ): void {
    const config: [number, number, string] = [ttlSeconds, this.key(counter.hash), counter.field];
    if (this.dedupeConfig && this.dedupeConfig.join() !== config.join())
      throw new Error('one batch uses one de-duplication TTL and counter');
    this.dedupeConfig = config;
  }

  /**
   * Applies the commit only while `leaseKey` holds `token` (see the script's ARGV[7]): the
   * consumer's newest attempt sets the lease when it starts, so an older one, still running
   * after its worker lost Temporal, commits nothing more.
   */
  fencedBy(leaseKey: string, token: string): this {
    this.fence = [this.key(leaseKey), token];
    return this;
  }

  get opCount(): number {
    return this.ops.length;
  }

  async exec(redis: Redis): Promise<CommitResult> {
    const marker = this.mode.kind === 'once' ? this.mode.markerKey : this.source;
    const ttl = this.mode.kind === 'once' ? this.mode.ttlSeconds : 0;
    const args: (string | number)[] = [this.source, marker];
    for (const k of this.keys) args.push(k);
    args.push(
      this.group,
      this.mode.kind,
      ttl,
      JSON.stringify(this.ids),
      JSON.stringify(this.ops),
      this.dedupeConfig ? JSON.stringify(this.dedupeConfig) : '',
      this.fence ? JSON.stringify(this.fence) : '',
    );
    const [applied, acked, xadds, latestWritten, duplicates] = await redis.commitBatch(
      2 + this.keys.length,
      args,
    );
    return {
      applied: applied === 1,
      fenced: applied === -1,
      acked,
      xadds,
      latestWritten,
      duplicates,
    };
  }
}
