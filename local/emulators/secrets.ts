/**
 * A tiny Secrets Manager stand-in on localhost, speaking the AWS JSON 1.1 protocol the SDK uses
 * (`POST /` with `X-Amz-Target: secretsmanager.<Operation>`). Handlers reach it through the normal
 * SDK: the SDK v3 reads `AWS_ENDPOINT_URL_SECRETS_MANAGER` (service id "Secrets Manager" upper-cased,
 * spaces to underscores; see @smithy/core getEndpointUrlConfig), so no handler code changes.
 *
 * Operations: GetSecretValue, DescribeSecret, ListSecrets. Anything else answers
 * UnknownOperationException; an unknown SecretId answers ResourceNotFoundException like AWS.
 * Request signatures are not checked.
 */
import { createHash } from 'node:crypto';
import { AwsError, startJsonServer, type JsonServer } from './aws-json-server';

export interface LocalSecret {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly value: string;
}

export type SecretsServer = JsonServer;

const CREATED = Math.floor(Date.now() / 1000);

function versionId(secret: LocalSecret): string {
  const h = createHash('sha256').update(`${secret.arn}\n${secret.value}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function describe(secret: LocalSecret): Record<string, unknown> {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === undefined ? {} : { Description: secret.description }),
    CreatedDate: CREATED,
    LastChangedDate: CREATED,
    VersionIdsToStages: { [versionId(secret)]: ['AWSCURRENT'] },
  };
}


export function createSecretsHandler(secrets: readonly LocalSecret[]): (target: string, input: Record<string, unknown>) => unknown {
  const find = (id: unknown): LocalSecret => {
    if (typeof id !== 'string' || id === '') throw new AwsError('InvalidParameterException', 'SecretId is required.');
    // By ARN, by name, or by a partial ARN (the ARN without AWS's random suffix).
    const hit = secrets.find((s) => s.arn === id || s.name === id || id.startsWith(`${s.arn}-`));
    if (hit === undefined) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return hit;
  };
  return (target, input) => {
    switch (target) {
      case 'secretsmanager.GetSecretValue': {
        const secret = find(input['SecretId']);
        const stage = input['VersionStage'];
        if (stage !== undefined && stage !== 'AWSCURRENT') {
          throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${String(stage)}`);
        }
        const version = input['VersionId'];
        if (version !== undefined && version !== versionId(secret)) {
          throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${String(version)}`);
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          SecretString: secret.value,
          VersionId: versionId(secret),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: CREATED,
        };
      }
      case 'secretsmanager.DescribeSecret':
        return describe(find(input['SecretId']));
      case 'secretsmanager.ListSecrets':
        return { SecretList: secrets.map(describe) };
      default:
        throw new AwsError('UnknownOperationException', `Operation ${target} is not emulated by the local runtime.`);
    }
  };
}

export async function startSecretsServer(opts: { secrets: readonly LocalSecret[]; port?: number }): Promise<SecretsServer> {
  const handle = createSecretsHandler(opts.secrets);
  // The same AWS JSON protocol plumbing as the Step Functions and EventBridge stand-ins.
  return startJsonServer({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    handle: async (operation, input) => handle(`secretsmanager.${operation}`, input),
    ...(opts.port === undefined ? {} : { port: opts.port }),
    what: 'Secrets Manager',
  });
}
