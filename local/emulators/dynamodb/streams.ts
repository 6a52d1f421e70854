/**
 * A minimal DynamoDB Streams client for DynamoDB Local (AWS JSON 1.0, `DynamoDBStreams_20120810.*`),
 * enough for the local event source mappings: DescribeStream, GetShardIterator, GetRecords.
 * (The project pins no @aws-sdk/client-dynamodb-streams; DynamoDB Local wants an Authorization header
 * naming an access key but does not verify signatures.)
 */

export interface StreamShard {
  readonly ShardId: string;
  readonly ParentShardId?: string;
  readonly SequenceNumberRange?: { readonly StartingSequenceNumber?: string; readonly EndingSequenceNumber?: string };
}

export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly userIdentity?: unknown;
}

export class StreamsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const AUTH = 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

export class DynamoStreamsClient {
  constructor(private readonly endpoint: string) {}

  private async call<T>(operation: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
        authorization: AUTH,
      },
      body: JSON.stringify(body),
      signal: signal === undefined ? AbortSignal.timeout(10_000) : AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (!res.ok) {
      const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      const type = String(record['__type'] ?? 'UnknownError').split('#').pop() ?? 'UnknownError';
      throw new StreamsError(type, String(record['message'] ?? record['Message'] ?? text));
    }
    return parsed as T;
  }

  async listShards(streamArn: string, signal?: AbortSignal): Promise<StreamShard[]> {
    const shards: StreamShard[] = [];
    let start: string | undefined;
    for (;;) {
      const out = await this.call<{ StreamDescription: { Shards?: StreamShard[]; LastEvaluatedShardId?: string } }>(
        'DescribeStream',
        { StreamArn: streamArn, ...(start === undefined ? {} : { ExclusiveStartShardId: start }) },
        signal,
      );
      shards.push(...(out.StreamDescription.Shards ?? []));
      start = out.StreamDescription.LastEvaluatedShardId;
      if (start === undefined) return shards;
    }
  }

  async shardIterator(
    streamArn: string,
    shardId: string,
    position: { type: 'TRIM_HORIZON' | 'LATEST' } | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string },
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const out = await this.call<{ ShardIterator?: string }>(
      'GetShardIterator',
      {
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: position.sequenceNumber } : {}),
      },
      signal,
    );
    return out.ShardIterator;
  }

  async records(iterator: string, limit: number, signal?: AbortSignal): Promise<{ records: StreamRecord[]; next?: string }> {
    const out = await this.call<{ Records?: StreamRecord[]; NextShardIterator?: string }>('GetRecords', { ShardIterator: iterator, Limit: limit }, signal);
    return { records: out.Records ?? [], ...(out.NextShardIterator === undefined ? {} : { next: out.NextShardIterator }) };
  }
}
