/**
 * The template's S3 buckets and their event notifications, read for the local runtime.
 *
 * Notifications come in two shapes and both are read:
 * - `AWS::S3::Bucket` `NotificationConfiguration` (CloudFormation's own shape): `LambdaConfigurations`,
 *   `QueueConfigurations`, `TopicConfigurations` with `Event` and `Filter.S3Key.Rules`, and
 *   `EventBridgeConfiguration.EventBridgeEnabled`;
 * - `Custom::S3BucketNotifications`, the custom resource CDK emits for `bucket.addEventNotification()`
 *   (its handler calls PutBucketNotificationConfiguration, so the S3 API shape):
 *   `NotificationConfiguration.LambdaFunctionConfigurations` / `QueueConfigurations` /
 *   `TopicConfigurations` with `Events` and `Filter.Key.FilterRules`, `EventBridgeConfiguration: {}`.
 *
 * A bucket's local name is its `Ref` (BucketName, else the logical id in lower case: see local/template/resolve.ts).
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { list, resourcesOfType, targetOf, type CfnTemplate } from './cfn';
import type { Resolver } from './resolve';

export type NotificationTarget =
  | { readonly kind: 'lambda'; readonly arn: string; readonly functionLogicalId: string }
  | { readonly kind: 'sqs'; readonly arn: string; readonly queueUrl: string }
  | { readonly kind: 'unsupported'; readonly arn: string };

export interface BucketNotification {
  /** Configuration id (`Id` when the template sets one, else a generated one, as S3 does). */
  readonly id: string;
  /** Event types as configured (`s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, `s3:ObjectRemoved:*`, ...). */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
  readonly target: NotificationTarget;
  /** Where it came from: the bucket's own NotificationConfiguration or CDK's custom resource. */
  readonly source: 'bucket' | 'custom-resource';
}

export interface BucketSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly notifications: readonly BucketNotification[];
  /** EventBridge notifications on (events "Object Created" / "Object Deleted" on the default bus). */
  readonly eventBridge: boolean;
}

interface Resolution {
  readonly functionsByName: ReadonlyMap<string, string>;
  readonly queueUrlsByArn: ReadonlyMap<string, string>;
}

function filterRules(filter: unknown, outerKey: 'S3Key' | 'Key', rulesKey: 'Rules' | 'FilterRules'): { prefix?: string; suffix?: string } {
  const key = isRecord(filter) ? filter[outerKey] : undefined;
  const out: { prefix?: string; suffix?: string } = {};
  for (const rule of list(isRecord(key) ? key[rulesKey] : undefined)) {
    if (!isRecord(rule) || typeof rule['Value'] !== 'string') continue;
    const name = String(rule['Name'] ?? '').toLowerCase();
    if (name === 'prefix') out.prefix = rule['Value'];
    if (name === 'suffix') out.suffix = rule['Value'];
  }
  return out;
}

function targetFor(
  template: CfnTemplate,
  rawArn: unknown,
  resolver: Resolver,
  where: string,
  kind: 'lambda' | 'sqs' | 'sns',
  r: Resolution,
): NotificationTarget {
  const arn = resolver.resolveString(rawArn, where);
  if (kind === 'lambda') {
    const target = targetOf(rawArn);
    const fnName = /:function:([^:]+)/.exec(arn)?.[1];
    const logicalId =
      target !== undefined && template.Resources[target]?.Type === 'AWS::Lambda::Function' ? target : fnName === undefined ? undefined : r.functionsByName.get(fnName);
    if (logicalId !== undefined && [...r.functionsByName.values()].includes(logicalId)) return { kind: 'lambda', arn, functionLogicalId: logicalId };
    return { kind: 'unsupported', arn };
  }
  if (kind === 'sqs') {
    const url = r.queueUrlsByArn.get(arn);
    return url === undefined ? { kind: 'unsupported', arn } : { kind: 'sqs', arn, queueUrl: url };
  }
  return { kind: 'unsupported', arn };
}

/** Configurations of one NotificationConfiguration object in either shape. */
function readConfigurations(
  template: CfnTemplate,
  config: unknown,
  resolver: Resolver,
  where: string,
  shape: 'bucket' | 'custom-resource',
  r: Resolution,
): { notifications: BucketNotification[]; eventBridge: boolean } {
  if (!isRecord(config)) return { notifications: [], eventBridge: false };
  const notifications: BucketNotification[] = [];
  const groups: [string, string, 'lambda' | 'sqs' | 'sns'][] =
    shape === 'bucket'
      ? [
          ['LambdaConfigurations', 'Function', 'lambda'],
          ['QueueConfigurations', 'Queue', 'sqs'],
          ['TopicConfigurations', 'Topic', 'sns'],
        ]
      : [
          ['LambdaFunctionConfigurations', 'LambdaFunctionArn', 'lambda'],
          ['QueueConfigurations', 'QueueArn', 'sqs'],
          ['TopicConfigurations', 'TopicArn', 'sns'],
        ];
  for (const [group, arnKey, kind] of groups) {
    list(config[group]).forEach((raw, i) => {
      if (!isRecord(raw)) return;
      const events =
        shape === 'bucket'
          ? [resolver.resolve(raw['Event'])].filter((e): e is string => typeof e === 'string')
          : list(resolver.resolve(raw['Events'])).filter((e): e is string => typeof e === 'string');
      const filter = resolver.resolve(raw['Filter']);
      const rules = shape === 'bucket' ? filterRules(filter, 'S3Key', 'Rules') : filterRules(filter, 'Key', 'FilterRules');
      const id = resolver.resolve(raw['Id']);
      notifications.push({
        id: typeof id === 'string' ? id : `${group}-${i + 1}`,
        events,
        ...rules,
        target: targetFor(template, raw[arnKey], resolver, `${where} ${group}[${i}]`, kind, r),
        source: shape,
      });
    });
  }
  const eb = resolver.resolve(config['EventBridgeConfiguration']);
  const eventBridge = shape === 'bucket' ? isRecord(eb) && (eb['EventBridgeEnabled'] === true || eb['EventBridgeEnabled'] === 'true') : isRecord(eb);
  return { notifications, eventBridge };
}

export function readBuckets(
  template: CfnTemplate,
  resolver: Resolver,
  functionsByName: ReadonlyMap<string, string>,
  queues: readonly { readonly arn: string; readonly url: string }[],
): BucketSpec[] {
  const r: Resolution = { functionsByName, queueUrlsByArn: new Map(queues.map((q) => [q.arn, q.url])) };
  const buckets = resourcesOfType(template, 'AWS::S3::Bucket').map(([logicalId, bucket]) => {
    const where = `bucket ${logicalId}`;
    const name = resolver.resolveString({ Ref: logicalId }, where);
    const own = readConfigurations(template, bucket.Properties?.['NotificationConfiguration'], resolver, `${where} NotificationConfiguration`, 'bucket', r);
    return { logicalId, name, arn: resolver.resolveString({ 'Fn::GetAtt': [logicalId, 'Arn'] }, where), notifications: own.notifications, eventBridge: own.eventBridge };
  });
  // CDK's custom resource: configurations for the bucket named by BucketName.
  for (const [logicalId, custom] of resourcesOfType(template, 'Custom::S3BucketNotifications')) {
    const where = `${logicalId} (Custom::S3BucketNotifications)`;
    const p = custom.Properties ?? {};
    const bucketLogicalId = targetOf(p['BucketName']);
    const bucketName = resolver.resolveString(p['BucketName'], where);
    const spec = buckets.find((b) => b.logicalId === bucketLogicalId || b.name === bucketName);
    if (spec === undefined) continue;
    const extra = readConfigurations(template, p['NotificationConfiguration'], resolver, where, 'custom-resource', r);
    spec.notifications = [...spec.notifications, ...extra.notifications];
    spec.eventBridge = spec.eventBridge || extra.eventBridge;
  }
  return buckets;
}

/** Logical ids of the Lambda functions that are ServiceTokens of notification custom resources (emulated here, not run). */
export function notificationHandlers(template: CfnTemplate): Set<string> {
  const ids = new Set<string>();
  for (const [, custom] of resourcesOfType(template, 'Custom::S3BucketNotifications')) {
    const token = targetOf(custom.Properties?.['ServiceToken']);
    if (token !== undefined) ids.add(token);
  }
  return ids;
}

/** Does an event name (`ObjectCreated:Put`) match a configured event type (`s3:ObjectCreated:*`)? */
export function eventMatches(configured: string, eventName: string): boolean {
  const full = `s3:${eventName}`;
  if (configured === full) return true;
  if (configured.endsWith(':*')) return full.startsWith(configured.slice(0, -1));
  return false;
}

/** Does a notification configuration apply to a change (event type, then prefix/suffix on the raw key)? */
export function notificationApplies(n: BucketNotification, eventName: string, key: string): boolean {
  if (!n.events.some((e) => eventMatches(e, eventName))) return false;
  if (n.prefix !== undefined && !key.startsWith(n.prefix)) return false;
  if (n.suffix !== undefined && !key.endsWith(n.suffix)) return false;
  return true;
}
