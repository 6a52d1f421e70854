/**
 * Resolve CloudFormation intrinsic functions against the local world.
 *
 * The synthesized template says `TABLE_NAME: { Ref: PipelineTable }`; AWS would put the physical table
 * name there. Locally every resource gets a predictable local physical name instead:
 *
 * | resource                     | Ref                                              | Fn::GetAtt                              |
 * |------------------------------|--------------------------------------------------|-----------------------------------------|
 * | AWS::DynamoDB::Table         | TableName, else the logical id                   | Arn, StreamArn                          |
 * | AWS::Lambda::Function        | FunctionName, else the logical id                | Arn                                     |
 * | AWS::ApiGateway::ApiKey      | the local key id (state.json, via overrides)     | APIKeyId                                |
 * | AWS::ApiGateway::Stage       | StageName                                        |                                         |
 * | AWS::SecretsManager::Secret  | arn:aws:secretsmanager:us-east-1:000000000000:secret:<logicalId> |                         |
 * | AWS::S3::Bucket              | BucketName, else the logical id in lower case    | Arn, DomainName, RegionalDomainName     |
 * | AWS::IAM::Role               | the logical id                                   | Arn, RoleId (`AROA...`, stable)         |
 * | anything else                | the logical id (or a Name property)              | Arn = arn:aws:<service>:...:<logicalId> |
 *
 * Later parts (queues, buckets, state machines) register their local values with `overrides`.
 * Pseudo parameters: AWS::Region us-east-1, AWS::AccountId 000000000000, AWS::Partition aws,
 * AWS::URLSuffix amazonaws.com.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import type { CfnTemplate } from './cfn';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION, LOCAL_URL_SUFFIX, localFunctionArn, localRoleId, localSecretArn, localTableArn } from './local-ids';

/** Marker returned for `Ref: AWS::NoValue`; removed from the enclosing object or array. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Resolved = unknown;

export interface ResolverOverrides {
  /** Ref value by logical id (wins over the defaults). */
  readonly refs?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Fn::GetAtt value by `<logicalId>.<attribute>`. */
  readonly attrs?: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;
  /** Stack name for AWS::StackName / AWS::StackId. */
  readonly stackName?: string;
}

export class UnresolvableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableError';
  }
}

function toMap<V>(value: ReadonlyMap<string, V> | Readonly<Record<string, V>> | undefined): Map<string, V> {
  if (value === undefined) return new Map();
  if (value instanceof Map) return new Map(value);
  return new Map(Object.entries(value as Readonly<Record<string, V>>));
}

/** Service part of a resource type: `AWS::SQS::Queue` -> `sqs`. */
function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'unknown').toLowerCase();
}

export class Resolver {
  private readonly refs: Map<string, string>;
  private readonly attrs: Map<string, unknown>;
  private readonly stackName: string;

  constructor(
    private readonly template: CfnTemplate,
    overrides: ResolverOverrides = {},
  ) {
    this.refs = toMap(overrides.refs);
    this.attrs = toMap(overrides.attrs);
    this.stackName = overrides.stackName ?? 'LocalStack';
  }

  /** Add or replace a Ref value (e.g. a queue URL once the local queue exists). */
  setRef(logicalId: string, value: string): void {
    this.refs.set(logicalId, value);
  }

  /** Add or replace a Fn::GetAtt value. */
  setAttr(logicalId: string, attribute: string, value: unknown): void {
    this.attrs.set(`${logicalId}.${attribute}`, value);
  }

  /** Resolve every intrinsic inside `value` (deeply). */
  resolve(value: unknown): Resolved {
    const out = this.walk(value);
    return out === NO_VALUE ? undefined : out;
  }

  /** Resolve to a string or throw (environment variables, names). */
  resolveString(value: unknown, where: string): string {
    const out = this.resolve(value);
    if (typeof out === 'string') return out;
    if (typeof out === 'number' || typeof out === 'boolean') return String(out);
    throw new UnresolvableError(`${where}: expected a string, got ${JSON.stringify(out)}`);
  }

  /** The local value of `Ref: logicalId`. */
  ref(logicalId: string): Resolved {
    const pseudo = this.pseudo(logicalId);
    if (pseudo !== undefined) return pseudo;
    const override = this.refs.get(logicalId);
    if (override !== undefined) return override;
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter !== undefined) {
      if (parameter.Default === undefined) throw new UnresolvableError(`Parameter ${logicalId} has no Default`);
      return parameter.Default;
    }
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) throw new UnresolvableError(`Ref to unknown logical id ${logicalId}`);
    const props = resource.Properties ?? {};
    const literal = (key: string): string | undefined => {
      const v = props[key];
      return typeof v === 'string' ? v : undefined;
    };
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return literal('TableName') ?? logicalId;
      case 'AWS::Lambda::Function':
        return literal('FunctionName') ?? logicalId;
      case 'AWS::ApiGateway::Stage':
        return literal('StageName') ?? logicalId;
      case 'AWS::SecretsManager::Secret':
        return localSecretArn(logicalId);
      case 'AWS::SQS::Queue':
        return `http://127.0.0.1/${LOCAL_ACCOUNT}/${literal('QueueName') ?? logicalId}`;
      case 'AWS::SNS::Topic':
      case 'AWS::StepFunctions::StateMachine':
        return this.arnOf(logicalId, resource.Type);
      case 'AWS::S3::Bucket': {
        // CDK writes generated names as intrinsics (e.g. Fn::Join with AWS::AccountId / AWS::StackId): resolved here too.
        const named = props['BucketName'];
        return named === undefined ? logicalId.toLowerCase() : this.resolveString(named, `bucket ${logicalId} BucketName`);
      }
      default:
        return literal('Name') ?? logicalId;
    }
  }

  /** The local value of `Fn::GetAtt: [logicalId, attribute]`. */
  getAtt(logicalId: string, attribute: string): Resolved {
    const override = this.attrs.get(`${logicalId}.${attribute}`);
    if (override !== undefined) return override;
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) throw new UnresolvableError(`Fn::GetAtt to unknown logical id ${logicalId}`);
    const type = resource.Type;
    if (attribute === 'Arn' && type !== 'AWS::Events::EventBus') return this.arnOf(logicalId, type);
    switch (`${type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.StreamArn':
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
        return `${this.arnOf(logicalId, type)}/stream/local`;
      case 'AWS::ApiGateway::RestApi.RootResourceId':
        return `${logicalId}-root`;
      case 'AWS::ApiGateway::ApiKey.APIKeyId':
        return this.ref(logicalId);
      case 'AWS::SQS::Queue.QueueUrl':
        return this.ref(logicalId);
      case 'AWS::SQS::Queue.QueueName':
        return (resource.Properties?.['QueueName'] as string | undefined) ?? logicalId;
      case 'AWS::StepFunctions::StateMachine.Name':
        return (resource.Properties?.['StateMachineName'] as string | undefined) ?? logicalId;
      case 'AWS::Events::EventBus.Arn':
        return `arn:${LOCAL_PARTITION}:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${String(this.ref(logicalId))}`;
      case 'AWS::S3::Bucket.DomainName':
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${String(this.ref(logicalId))}.s3.${LOCAL_REGION}.${LOCAL_URL_SUFFIX}`;
      case 'AWS::Events::EventBus.Name':
        return this.ref(logicalId);
      case 'AWS::KMS::Key.KeyId':
        return logicalId;
      case 'AWS::IAM::Role.RoleId':
        return localRoleId(logicalId);
      default:
        return `${logicalId}.${attribute}`;
    }
  }

  private arnOf(logicalId: string, type: string): string {
    const name = (): string => String(this.ref(logicalId));
    switch (type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return localTableArn(name());
      case 'AWS::Lambda::Function':
        return localFunctionArn(name());
      case 'AWS::SecretsManager::Secret':
        return localSecretArn(logicalId);
      case 'AWS::SQS::Queue':
        return `arn:${LOCAL_PARTITION}:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name().split('/').pop() ?? logicalId}`;
      case 'AWS::S3::Bucket':
        return `arn:${LOCAL_PARTITION}:s3:::${name()}`;
      case 'AWS::StepFunctions::StateMachine': {
        const named = this.template.Resources[logicalId]?.Properties?.['StateMachineName'];
        return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${typeof named === 'string' ? named : logicalId}`;
      }
      case 'AWS::Events::Rule':
        return `arn:${LOCAL_PARTITION}:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${logicalId}`;
      case 'AWS::SNS::Topic':
        return `arn:${LOCAL_PARTITION}:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
      case 'AWS::IAM::Role':
        return `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
      default:
        return `arn:${LOCAL_PARTITION}:${serviceOf(type)}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
    }
  }

  private pseudo(name: string): Resolved {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return LOCAL_PARTITION;
      case 'AWS::URLSuffix':
        return LOCAL_URL_SUFFIX;
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:${LOCAL_PARTITION}:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${this.stackName}/local`;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  /** Evaluate a named condition from the template's Conditions section. */
  condition(name: string): boolean {
    const def = this.template.Conditions?.[name];
    if (def === undefined) throw new UnresolvableError(`Unknown condition ${name}`);
    const value = this.walk(def);
    if (typeof value !== 'boolean') throw new UnresolvableError(`Condition ${name} did not evaluate to a boolean`);
    return value;
  }

  private walk(value: unknown): Resolved {
    if (Array.isArray(value)) {
      return value.map((v) => this.walk(v)).filter((v) => v !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      if (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::')) {
        return this.intrinsic(key, value[key]);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.walk(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private intrinsic(fn: string, arg: unknown): Resolved {
    switch (fn) {
      case 'Ref':
        if (typeof arg !== 'string') throw new UnresolvableError(`Ref expects a logical id, got ${JSON.stringify(arg)}`);
        return this.ref(arg);
      case 'Condition':
        if (typeof arg !== 'string') throw new UnresolvableError('Condition expects a name');
        return this.condition(arg);
      case 'Fn::GetAtt': {
        const [id, ...attrParts] = typeof arg === 'string' ? arg.split('.') : (this.walk(arg) as unknown[]).map(String);
        if (id === undefined || attrParts.length === 0) throw new UnresolvableError(`Bad Fn::GetAtt ${JSON.stringify(arg)}`);
        return this.getAtt(id, attrParts.join('.'));
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Base64':
        return Buffer.from(this.scalar(fn, this.walk(arg)), 'utf8').toString('base64');
      case 'Fn::GetAZs':
        return [`${LOCAL_REGION}a`, `${LOCAL_REGION}b`, `${LOCAL_REGION}c`];
      case 'Fn::ToJsonString':
        return JSON.stringify(this.walk(arg));
      case 'Fn::ImportValue':
        throw new UnresolvableError(
          `Fn::ImportValue ${JSON.stringify(arg)}: cross-stack imports cannot be resolved locally (the local runtime runs one stack)`,
        );
      case 'Fn::Join':
      case 'Fn::Select':
      case 'Fn::Split':
      case 'Fn::FindInMap':
      case 'Fn::Length':
        return this.listIntrinsic(fn, arg);
      case 'Fn::If':
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or':
        return this.logicIntrinsic(fn, arg);
      default:
        throw new UnresolvableError(`Intrinsic ${fn} is not supported by the local runtime`);
    }
  }

  /** Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Length. */
  private listIntrinsic(fn: string, arg: unknown): Resolved {
    switch (fn) {
      case 'Fn::Join': {
        const [delimiter, list] = this.expectArray(fn, arg, 2);
        const items = this.walk(list);
        if (!Array.isArray(items)) throw new UnresolvableError('Fn::Join expects a list');
        return items.map((i) => this.scalar(fn, i)).join(String(delimiter));
      }
      case 'Fn::Select': {
        const [index, list] = this.expectArray(fn, arg, 2);
        const items = this.walk(list);
        const i = Number(this.walk(index));
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
          throw new UnresolvableError(`Fn::Select index ${String(index)} out of range`);
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.expectArray(fn, arg, 2);
        return this.scalar(fn, this.walk(source)).split(String(delimiter));
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (this.expectArray(fn, arg, 3) as unknown[]).map((v) => this.scalar(fn, this.walk(v)));
        const value = this.template.Mappings?.[map as string]?.[top as string]?.[second as string];
        if (value === undefined) throw new UnresolvableError(`Fn::FindInMap ${map}.${top}.${second} not found`);
        return value;
      }
      case 'Fn::Length': {
        const items = this.walk(arg);
        if (!Array.isArray(items)) throw new UnresolvableError('Fn::Length expects a list');
        return items.length;
      }
      default:
        throw new UnresolvableError(`Intrinsic ${fn} is not supported by the local runtime`);
    }
  }

  /** Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or. */
  private logicIntrinsic(fn: string, arg: unknown): Resolved {
    switch (fn) {
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = this.expectArray(fn, arg, 3);
        return this.condition(String(name)) ? this.walk(whenTrue) : this.walk(whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = this.expectArray(fn, arg, 2);
        return JSON.stringify(this.walk(a)) === JSON.stringify(this.walk(b));
      }
      case 'Fn::Not': {
        const [a] = this.expectArray(fn, arg, 1);
        return !this.walk(a);
      }
      case 'Fn::And':
        return (this.walk(arg) as unknown[]).every(Boolean);
      case 'Fn::Or':
        return (this.walk(arg) as unknown[]).some(Boolean);
      default:
        throw new UnresolvableError(`Intrinsic ${fn} is not supported by the local runtime`);
    }
  }

  private expectArray(fn: string, arg: unknown, min: number): unknown[] {
    if (!Array.isArray(arg) || arg.length < min) {
      throw new UnresolvableError(`${fn} expects a list of ${min} items, got ${JSON.stringify(arg)}`);
    }
    return arg;
  }

  private scalar(fn: string, value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new UnresolvableError(`${fn}: expected a string, got ${JSON.stringify(value)}`);
  }

  private sub(arg: unknown): string {
    let text: string;
    let variables: Record<string, unknown> = {};
    if (typeof arg === 'string') {
      text = arg;
    } else {
      const [t, vars] = this.expectArray('Fn::Sub', arg, 1);
      if (typeof t !== 'string') throw new UnresolvableError('Fn::Sub expects a string');
      text = t;
      if (isRecord(vars)) variables = vars;
    }
    return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return this.scalar('Fn::Sub', this.walk(variables[name]));
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        return this.scalar('Fn::Sub', this.getAtt(name.slice(0, dot), name.slice(dot + 1)));
      }
      return this.scalar('Fn::Sub', this.ref(name));
    });
  }
}
