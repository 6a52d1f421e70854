/**
 * The supplier inbound consumer's one entry (functions/suppliers/inbound.ts calls it per SQS record):
 * the body is parsed ONCE with the discriminated union of everything an inbound queue carries
 * (SupplierInboundBody) and dispatched on `type` to one of two services: fulfillment messages
 * (fulfillment-messages.ts) or INVENTORY_UPDATE (inventory-updates.ts). Not JSON → INVALID_JSON, not a
 * known message → SCHEMA_INVALID (both poison: moved to the DLQ with the reason).
 */
import type { OrderStatus } from '../../orders/domain/order';
import { toFieldIssues } from '../../kernel/schemas';
import { SupplierInboundBody, type InboundErrorCode } from '../schemas/supplier-messages';
import type { CallbackDeps } from '../../workflow/services/callbacks';
import type { TaskMetrics } from '../../workflow/services/workflow-common';
import type { FileMetrics } from './file-reports';
import type { OutboundDeps } from './supplier-outbound';
import { applyFulfillmentMessage } from './fulfillment-messages';
import { applyInventoryUpdate } from './inventory-updates';
import { applyCancellationAnswer } from './cancellation-answers';
import { applyReturnMessage } from './return-messages';

export type InboundDeps = CallbackDeps &
  OutboundDeps & {
    readonly metrics: TaskMetrics;
    /** Counters for INVENTORY_UPDATE messages (per supplier too); absent = not counted. */
    readonly fileMetrics?: FileMetrics | undefined;
  };

export type InboundOutcome =
  | { readonly kind: 'applied'; readonly fulfillmentId: string; readonly status: string; readonly orderStatus: OrderStatus; readonly resumed: string }
  | { readonly kind: 'duplicate' | 'stale'; readonly fulfillmentId: string; readonly resumed: string }
  | { readonly kind: 'poison'; readonly code: InboundErrorCode; readonly message: string; readonly fulfillmentId?: string | undefined }
  | { readonly kind: 'inventory'; readonly written: number; readonly unchanged: number; readonly unmapped: number; readonly duplicate: boolean };

type Parsed = { readonly ok: true; readonly message: SupplierInboundBody } | { readonly ok: false; readonly code: InboundErrorCode; readonly message: string };

function parseInboundBody(body: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, code: 'INVALID_JSON', message: 'the message body is not JSON' };
  }
  const parsed = SupplierInboundBody.safeParse(json);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error);
    return { ok: false, code: 'SCHEMA_INVALID', message: issues.map((i) => `${i.path}: ${i.message}`).join('; ').slice(0, 900) };
  }
  return { ok: true, message: parsed.data };
}

/** Parse once, dispatch on `type`. */
export async function handleSupplierMessage(deps: InboundDeps, input: { readonly supplierId: string; readonly body: string }): Promise<InboundOutcome> {
  const parsed = parseInboundBody(input.body);
  if (!parsed.ok) return { kind: 'poison', code: parsed.code, message: parsed.message };
  const message = parsed.message;
  if (message.type === 'INVENTORY_UPDATE') return applyInventoryUpdate(deps, input.supplierId, message);
  if (message.type === 'CANCELLATION_ACCEPTED' || message.type === 'CANCELLATION_REJECTED') return applyCancellationAnswer(deps, input.supplierId, message);
  if (message.type === 'RETURN_AUTHORIZED' || message.type === 'RETURN_REJECTED' || message.type === 'RETURN_SHIPPED' || message.type === 'RETURN_RECEIVED') {
    return applyReturnMessage(deps, input.supplierId, message);
  }
  return applyFulfillmentMessage(deps, input.supplierId, message);
}
