/** The returns functions' dependencies, built once per container from the environment. */
import { systemClock } from '../../kernel/clock';
import { getDocumentClient } from '../../runtime/clients';
import { requireEnv } from '../../runtime/config';
import { logger } from '../../runtime/observability';
import { outboundDeps } from '../../workflow/services/runtime-deps';
import { loadReturnsConfig } from '../schemas/returns';
import type { ReturnsDeps } from './request-return';

/** TABLE_NAME, RETURNS_CONFIG, and the supplier channels when SUPPLIER_QUEUES is set. */
export function returnsDeps(env: NodeJS.ProcessEnv = process.env): ReturnsDeps {
  return {
    store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME', env) },
    now: systemClock,
    logger,
    config: loadReturnsConfig(env),
    ...(env.SUPPLIER_QUEUES === undefined || env.SUPPLIER_QUEUES === '' ? {} : { outbound: outboundDeps(env) }),
  };
}
