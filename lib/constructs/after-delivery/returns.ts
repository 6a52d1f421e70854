import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RETURN_STEP_EVENT_TYPES } from '../../../functions/core/returns/domain/returns';
import { DOMAIN_EVENT_SOURCE } from '../order-events';
import type { OpsApi } from '../ops-api';
import type { Stage } from '../../stage-config';
import type { PipelineFunction } from '../pipeline-function';
import type { SupplierGateway } from '../supplier-gateway';

/** Environment variable carrying the stage's returns config (functions/core/returns/schemas/returns.ts ReturnsConfig). */
export const RETURNS_CONFIG_ENV = 'RETURNS_CONFIG';

export interface ReturnsProps {
  readonly stage: Stage;
  readonly suppliers: SupplierGateway;
  /** POST /orders/{orderId}/returns: checks the policy and sends RETURN_REQUESTED. */
  readonly createReturn: PipelineFunction;
  /** The supplier inbound consumer: applies RETURN_* answers and computes refunds. */
  readonly inbound: PipelineFunction;
  /** POST /ops/returns/{returnId}/authorize. */
  readonly opsReturns: PipelineFunction;
}

/**
 * Returns and exchanges (docs/returns.md). Event-driven, no state machine of its own: the API writes the return
 * and asks the supplier over its outbound queue; the supplier's answers arrive on its inbound queue (the
 * existing consumer); a silent supplier is listed by GET /ops/exceptions (RETURN_UNANSWERED, a deadline kind of
 * the sparse exceptions index) and an operator authorizes on its behalf. This construct adds no resource: it
 * gives the three functions the return policy and the create-return function the right to send to the
 * suppliers' outbound queues (least privilege: the inbound consumer and the ops function send nothing new).
 */
export class Returns extends Construct {
  private readonly config: string;

  constructor(scope: Construct, id: string, props: ReturnsProps) {
    super(scope, id);
    const config = Stack.of(this).toJsonString(props.stage.config.returns);
    this.config = config;
    for (const fn of [props.createReturn, props.inbound, props.opsReturns]) fn.addEnvironment(RETURNS_CONFIG_ENV, config);
    props.createReturn.addEnvironment('SUPPLIER_QUEUES', props.suppliers.supplierQueuesJson);
    props.createReturn.allowSendMessage(props.suppliers.outboundQueues);
  }

  /**
   * The bus steps of returns (functions/core/returns/services/return-events.ts) in `fn`, a function that already
   * carries pdf-lib and the replacement's grants (the delivery-decisions ops function: table, supplier outbound
   * queues, outbox files): one rule, no new function. ReturnAuthorized / ReturnReceived ship an exchange's
   * replacement and settle it.
   * A settlement that never happens is surfaced by the exceptions index (RETURN_EXCHANGE_PENDING,
   * RETURN_REFUND_UNCONFIRMED), not only by the DLQ.
   */
  public runStepsIn(fn: PipelineFunction, bus: events.IEventBus, dlq: sqs.IQueue): void {
    fn.addEnvironment(RETURNS_CONFIG_ENV, this.config);
    new events.Rule(this, 'StepsRule', {
      eventBus: bus,
      description: 'Returns: exchanges ship their replacement and close (ReturnAuthorized / ReturnReceived)',
      eventPattern: { source: [DOMAIN_EVENT_SOURCE], detailType: [...RETURN_STEP_EVENT_TYPES] },
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
  }

  /**
   * On the ops returns function (beside .../authorize): POST /ops/returns/{returnId}/close `{ note }` (an operator closes
   * a refund return) and POST /ops/returns/{returnId}/receive `{ lines }` (an operator confirms a return parcel arrived).
   */
  public addOpsClose(ops: OpsApi, opsReturns: PipelineFunction): void {
    const opsRoot = ops.api.root.getResource('ops') ?? ops.api.root.addResource('ops');
    const returns = opsRoot.getResource('returns') ?? opsRoot.addResource('returns');
    const one = returns.getResource('{returnId}') ?? returns.addResource('{returnId}');
    ops.addRoute(one.addResource('close'), 'POST', opsReturns);
    ops.addRoute(one.addResource('receive'), 'POST', opsReturns);
  }
}
