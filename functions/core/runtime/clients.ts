/**
 * Every AWS SDK client of the pipeline, created once per container and wrapped by the tracer where tracing is on (the one
 * place that builds them). Endpoints come from the standard AWS_ENDPOINT_URL_* variables (the local
 * runtime points them at DynamoDB Local, the S3 / SQS stand-ins etc.).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { tracer } from './observability';

/** The client wrapped by the tracer where tracing is on (observability.ts), as it is otherwise. */
function traced<T>(client: T): T {
  return tracer === undefined ? client : tracer.captureAWSv3Client(client);
}

let documentClient: DynamoDBDocumentClient | undefined;
let secretsProvider: SecretsProvider | undefined;
let sfn: SFNClient | undefined;
let sqs: SQSClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let s3: S3Client | undefined;

/** The DynamoDB DocumentClient (undefined members are dropped on write, as the item convention expects). */
export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

/** Powertools secrets provider (cached values) over a traced Secrets Manager client. */
export function getSecretsProvider(): SecretsProvider {
  secretsProvider ??= new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
  return secretsProvider;
}

/** How long a fetched webhook secret is cached (seconds). Rotation takes effect within this time. */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Fetch a secret's plain string value through the cache (undefined when the secret has no string value). */
export async function getSecretString(secretId: string): Promise<string | undefined> {
  const value = await getSecretsProvider().get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value === 'string') return value;
  return value === undefined ? undefined : Buffer.from(value).toString('utf8');
}

export function getSfnClient(): SFNClient {
  sfn ??= traced(new SFNClient({}));
  return sfn;
}

export function getSqsClient(): SQSClient {
  sqs ??= traced(new SQSClient({}));
  return sqs;
}

export function getEventBridgeClient(): EventBridgeClient {
  eventBridge ??= traced(new EventBridgeClient({}));
  return eventBridge;
}

/**
 * The S3 client (supplier files bucket). With AWS_ENDPOINT_URL_S3 set (the local emulator) it uses
 * path-style addressing, which local emulators expect.
 */
export function getS3Client(): S3Client {
  s3 ??= traced(new S3Client({ ...(process.env['AWS_ENDPOINT_URL_S3'] === undefined ? {} : { forcePathStyle: true }) }));
  return s3;
}
