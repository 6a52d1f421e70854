/**
 * Secrets Manager secrets of the template (AWS::SecretsManager::Secret), with their generation rules.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { bool, num, props, resourcesOfType, type CfnTemplate } from './cfn';
import type { Resolver } from './resolve';

export interface SecretGenerateSpec {
  readonly passwordLength: number;
  readonly excludeCharacters: string;
  readonly excludePunctuation: boolean;
  readonly excludeUppercase: boolean;
  readonly excludeLowercase: boolean;
  readonly excludeNumbers: boolean;
  readonly includeSpace: boolean;
  readonly secretStringTemplate?: string;
  readonly generateStringKey?: string;
}

export interface SecretSpec {
  readonly logicalId: string;
  readonly name: string;
  /** Local ARN (`Ref` of the secret). */
  readonly arn: string;
  readonly description?: string;
  readonly secretString?: string;
  readonly generate?: SecretGenerateSpec;
}

export function readSecrets(template: CfnTemplate, resolver: Resolver): SecretSpec[] {
  return resourcesOfType(template, 'AWS::SecretsManager::Secret').map(([logicalId, secret]) => {
    const p = props(secret);
    const name = resolver.resolve(p['Name']);
    const description = resolver.resolve(p['Description']);
    const secretString = resolver.resolve(p['SecretString']);
    const gen = resolver.resolve(p['GenerateSecretString']);
    const generate: SecretGenerateSpec | undefined = isRecord(gen)
      ? {
          passwordLength: num(gen['PasswordLength'], 32),
          excludeCharacters: typeof gen['ExcludeCharacters'] === 'string' ? gen['ExcludeCharacters'] : '',
          excludePunctuation: bool(gen['ExcludePunctuation'], false),
          excludeUppercase: bool(gen['ExcludeUppercase'], false),
          excludeLowercase: bool(gen['ExcludeLowercase'], false),
          excludeNumbers: bool(gen['ExcludeNumbers'], false),
          includeSpace: bool(gen['IncludeSpace'], false),
          ...(typeof gen['SecretStringTemplate'] === 'string' ? { secretStringTemplate: gen['SecretStringTemplate'] } : {}),
          ...(typeof gen['GenerateStringKey'] === 'string' ? { generateStringKey: gen['GenerateStringKey'] } : {}),
        }
      : undefined;
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      arn: resolver.resolveString({ Ref: logicalId }, `secret ${logicalId}`),
      ...(typeof description === 'string' ? { description } : {}),
      ...(typeof secretString === 'string' ? { secretString } : {}),
      ...(generate === undefined ? {} : { generate }),
    };
  });
}
