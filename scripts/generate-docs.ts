/**
 * Generates docs/openapi.json (OpenAPI 3.1) and docs/supplier-messages.md (the supplier channel contract,
 * fulfillment messages and INVENTORY_UPDATE) from the zod schemas in functions/core/<feature>/schemas (the single
 * source of truth) with zod's native
 * z.toJSONSchema: `npm run openapi`. test/unit/docs/openapi.test.ts and supplier-messages.test.ts
 * regenerate them in memory and fail when a committed file is stale; the OpenAPI test also fails when a
 * route of the synthesized template (storefront or ops API) is missing here, or documented but not deployed.
 *
 * Two REST APIs, one document: the storefront API (top-level `servers`, tags Orders and Webhooks) and the
 * ops API (its own `servers` on each /ops path, tag Ops, security scheme OpsIam: SigV4, IAM-authorized;
 * its routes are scripts/docs/openapi-ops.ts OPS_ROUTES).
 *
 * Also docs/domain-events.md (the domain event payloads from functions/core/events/schemas), checked by
 * test/unit/docs/domain-events.test.ts. The renderers live in scripts/docs/.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OPENAPI_PATH } from './docs/openapi-parts';
import { renderOpenApi } from './docs/openapi';
import { SUPPLIER_MESSAGES_PATH, renderSupplierMessages } from './docs/supplier-messages';
import { DOMAIN_EVENTS_PATH, renderDomainEvents } from './docs/domain-events';

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
  writeFileSync(SUPPLIER_MESSAGES_PATH, renderSupplierMessages());
  console.log(`wrote ${SUPPLIER_MESSAGES_PATH}`);
  writeFileSync(DOMAIN_EVENTS_PATH, renderDomainEvents());
  console.log(`wrote ${DOMAIN_EVENTS_PATH}`);
}
