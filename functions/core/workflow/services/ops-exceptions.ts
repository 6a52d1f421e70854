/** GET /ops/exceptions: open exceptions from the sparse gsi3 index, newest first, without customer data. */
import { isRecord } from '../../kernel/guards';
import { BadRequestError } from '../../kernel/errors';
import type { ExceptionEntry, ExceptionsQuery, ExceptionsResponse } from '../schemas/ops';
import type { StoreContext } from '../../runtime/table/context';
import { DEADLINE_EXCEPTION_KINDS, EXCEPTION_KINDS, type ExceptionKind } from '../domain/exception-kinds';
import { systemClock, type Clock } from '../../kernel/clock';
import { queryExceptions } from '../store/exceptions';

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isRecord(value) && Object.values(value).every((v) => typeof v === 'string')) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new BadRequestError('Invalid cursor', { issues: [{ path: 'queryStringParameters.cursor', message: 'is not a cursor from a previous page' }] });
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Only ids, codes and statuses: an exception entry never carries addresses, emails or raw bodies. */
export function toExceptionEntry(item: Record<string, unknown>): ExceptionEntry {
  const kind = (str(item.gsi3pk) ?? '').replace(/^EXCEPTION#/, '');
  const since = (str(item.gsi3sk) ?? '').split('#')[0] ?? '';
  const entity = str(item.entity) ?? 'Unknown';
  const issues = Array.isArray(item.issues)
    ? item.issues.flatMap((i: unknown) =>
        typeof i === 'object' && i !== null && typeof (i as { path?: unknown }).path === 'string' && typeof (i as { message?: unknown }).message === 'string'
          ? [{ path: (i as { path: string }).path, message: (i as { message: string }).message }]
          : [],
      )
    : undefined;
  return {
    kind,
    since,
    entity,
    orderId: str(item.orderId),
    fulfillmentId: str(item.fulfillmentId),
    supplierId: str(item.supplierId),
    status: str(item.status),
    channelId: str(item.channelId),
    webhookId: str(item.webhookId),
    sku: str(item.sku),
    ...(issues === undefined ? {} : { issues }),
  };
}

export async function listExceptions(store: StoreContext, query: ExceptionsQuery, now: Clock = systemClock): Promise<ExceptionsResponse> {
  const nowIso = now().toISOString();
  // A deadline kind (an unanswered cancellation request) is an exception only once its deadline passed.
  const until = (kind: ExceptionKind): string | undefined => (DEADLINE_EXCEPTION_KINDS.includes(kind) ? nowIso : undefined);
  if (query.kind !== undefined) {
    const page = await queryExceptions(store, query.kind, query.limit, query.cursor === undefined ? undefined : decodeCursor(query.cursor), until(query.kind));
    return { items: page.items.map(toExceptionEntry), ...(page.lastKey === undefined ? {} : { cursor: encodeCursor(page.lastKey) }) };
  }
  if (query.cursor !== undefined) {
    throw new BadRequestError('A cursor needs its kind', { issues: [{ path: 'queryStringParameters.cursor', message: 'is only valid together with kind' }] });
  }
  const pages = await Promise.all(EXCEPTION_KINDS.map((kind: ExceptionKind) => queryExceptions(store, kind, query.limit, undefined, until(kind))));
  const items = pages
    .flatMap((p) => p.items.map(toExceptionEntry))
    .sort((a, b) => (a.since < b.since ? 1 : a.since > b.since ? -1 : 0))
    .slice(0, query.limit);
  return { items };
}
