/**
 * The local world's fixed identity: region us-east-1, account 000000000000, partition aws, and the local
 * ARNs and ids the resolver (resolve.ts) and the emulators give resources.
 */
import { createHash } from 'node:crypto';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_PARTITION = 'aws';
export const LOCAL_URL_SUFFIX = 'amazonaws.com';

/** Local ARN of a secret (contract: `arn:aws:secretsmanager:us-east-1:000000000000:secret:<logicalId>`). */
export function localSecretArn(logicalId: string): string {
  return `arn:${LOCAL_PARTITION}:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${logicalId}`;
}

export function localFunctionArn(functionName: string): string {
  return `arn:${LOCAL_PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;
}

export function localTableArn(tableName: string): string {
  return `arn:${LOCAL_PARTITION}:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}`;
}

/**
 * Local unique id of an IAM role (`Fn::GetAtt Role.RoleId`): shaped like AWS's (`AROA` + 17 upper-case
 * letters and digits), stable per logical id. An assumed-role principal is `AWS:<RoleId>:<session>`.
 */
export function localRoleId(logicalId: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(logicalId).digest();
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return id;
}
