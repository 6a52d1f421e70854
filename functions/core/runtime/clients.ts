/**
 * AWS SDK clients, created once per container and wrapped by the tracer. Endpoints come from the
 * standard AWS_ENDPOINT_URL_* variables (the local runtime points them at DynamoDB Local etc.).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { tracer } from './observability';

let documentClient: DynamoDBDocumentClient | undefined;
let secretsProvider: SecretsProvider | undefined;

/** The DynamoDB DocumentClient (undefined members are dropped on write, as the item convention expects). */
export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

/** Powertools secrets provider (cached values) over a traced Secrets Manager client. */
export function getSecretsProvider(): SecretsProvider {
  secretsProvider ??= new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) });
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
