/**
 * EventBridge buses and rules of the template (event patterns and schedules, targets and their input
 * transforms).
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { parsePattern, type Pattern } from '../emulators/patterns';
import { props, resourcesOfType, targetOf, type CfnTemplate } from './cfn';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from './local-ids';
import { type Resolver } from './resolve';

export interface EventBusSpec {
  /** Undefined for the account's `default` bus. */
  readonly logicalId?: string;
  readonly name: string;
  readonly arn: string;
}

export type RuleTarget =
  | { readonly kind: 'lambda'; readonly id: string; readonly arn: string; readonly functionLogicalId: string; readonly transform: TargetTransform }
  | { readonly kind: 'sqs'; readonly id: string; readonly arn: string; readonly queueUrl: string; readonly transform: TargetTransform }
  | { readonly kind: 'unsupported'; readonly id: string; readonly arn: string; readonly transform: TargetTransform };

export interface TargetTransform {
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly pathsMap: Readonly<Record<string, string>>; readonly template: string };
}

export interface EventRuleSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly busName: string;
  readonly enabled: boolean;
  readonly eventPattern?: Pattern;
  readonly scheduleExpression?: string;
  readonly targets: readonly RuleTarget[];
}

export function localEventBusArn(name: string): string {
  return `arn:${LOCAL_PARTITION}:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}`;
}

/** A bus name from a name or an event-bus ARN. */
export function busNameOf(value: string): string {
  const m = /:event-bus\/(.+)$/.exec(value);
  return m?.[1] ?? value;
}

export function readEventBuses(template: CfnTemplate, resolver: Resolver): EventBusSpec[] {
  const buses: EventBusSpec[] = [{ name: 'default', arn: localEventBusArn('default') }];
  for (const [logicalId] of resourcesOfType(template, 'AWS::Events::EventBus')) {
    const name = resolver.resolveString({ Ref: logicalId }, `event bus ${logicalId}`);
    buses.push({ logicalId, name, arn: localEventBusArn(name) });
  }
  return buses;
}

export function readEventRules(template: CfnTemplate, resolver: Resolver, functionsByName: ReadonlyMap<string, string>): EventRuleSpec[] {
  return resourcesOfType(template, 'AWS::Events::Rule').map(([logicalId, rule]) => {
    const p = props(rule);
    const where = `event rule ${logicalId}`;
    const bus = p['EventBusName'] === undefined ? 'default' : busNameOf(resolver.resolveString(p['EventBusName'], where));
    const pattern = p['EventPattern'] === undefined ? undefined : parsePattern(resolver.resolve(p['EventPattern']), `${where} EventPattern`);
    const schedule = resolver.resolve(p['ScheduleExpression']);
    const name = resolver.resolve(p['Name']);
    const state = resolver.resolve(p['State']);
    const targets = (Array.isArray(p['Targets']) ? p['Targets'] : []).filter(isRecord).map((t): RuleTarget => {
      const id = String(resolver.resolve(t['Id']) ?? '');
      const arn = resolver.resolveString(t['Arn'], `${where} target ${id}`);
      const input = resolver.resolve(t['Input']);
      const inputPath = resolver.resolve(t['InputPath']);
      const transformer = resolver.resolve(t['InputTransformer']);
      const transform: TargetTransform = {
        ...(typeof input === 'string' ? { input } : {}),
        ...(typeof inputPath === 'string' ? { inputPath } : {}),
        ...(isRecord(transformer) && typeof transformer['InputTemplate'] === 'string'
          ? {
              inputTransformer: {
                pathsMap: isRecord(transformer['InputPathsMap'])
                  ? Object.fromEntries(Object.entries(transformer['InputPathsMap']).map(([k, v]) => [k, String(v)]))
                  : {},
                template: transformer['InputTemplate'],
              },
            }
          : {}),
      };
      const target = targetOf(t['Arn']);
      const targetType = target === undefined ? undefined : template.Resources[target]?.Type;
      const fnName = /:function:([^:]+)/.exec(arn)?.[1];
      const fnLogicalId = targetType === 'AWS::Lambda::Function' ? target : fnName === undefined ? undefined : functionsByName.get(fnName);
      if (fnLogicalId !== undefined) return { kind: 'lambda', id, arn, functionLogicalId: fnLogicalId, transform };
      if (target !== undefined && targetType === 'AWS::SQS::Queue') {
        return { kind: 'sqs', id, arn, queueUrl: resolver.resolveString({ Ref: target }, `${where} target ${id}`), transform };
      }
      return { kind: 'unsupported', id, arn, transform };
    });
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      busName: bus,
      enabled: state !== 'DISABLED',
      ...(pattern === undefined ? {} : { eventPattern: pattern }),
      ...(typeof schedule === 'string' ? { scheduleExpression: schedule } : {}),
      targets,
    };
  });
}
