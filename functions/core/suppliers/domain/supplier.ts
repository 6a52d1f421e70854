/** Suppliers: shipping zones, file-drop settings and the record of one supplier file. Pure types. */
export type SupplierChannelKind = 'sqs' | 'file';

export interface ShippingMethod {
  readonly code: string;
  readonly name: string;
  readonly transitDaysMin: number;
  readonly transitDaysMax: number;
  readonly costMinor: number;
}

export interface ShippingZone {
  readonly zoneId: string;
  /** ISO alpha-2 country codes served by this zone. */
  readonly countries: readonly string[];
  readonly methods: readonly ShippingMethod[];
}

export interface Supplier {
  readonly supplierId: string;
  readonly name: string;
  readonly channel: SupplierChannelKind;
  /** Lower number = preferred when cost ties. */
  readonly priority: number;
  readonly currency: string;
  readonly acceptanceSlaMinutes: number;
  readonly processingDays: number;
  readonly feedFreshnessSlaHours: number;
  readonly shippingZones: readonly ShippingZone[];
  readonly status: 'ACTIVE' | 'STALE' | 'SUSPENDED';
  readonly lastFeedAt?: string | undefined;
  /** Whether packing slips for this supplier are neutral (no supplier branding) - retailer branded. */
  readonly blindShipping: boolean;
  /** File-drop preferences (issue 5); absent = defaults (CSV purchase orders, default header aliases). */
  readonly files?: SupplierFileSettings | undefined;
  /** Set while status is STALE: when the sweep found the feed older than its SLA (ISO). */
  readonly staleSince?: string | undefined;
  /** S3 key of the last inventory feed applied (inbox drop or pull source). */
  readonly lastFeedKey?: string | undefined;
  /**
   * When the last applied inbox feed was stored in S3 (its event time): an older feed delivered or
   * retried later is SUPERSEDED instead of bringing older stock back.
   */
  readonly lastFeedObjectAt?: string | undefined;
  /** Set while an operator paused the supplier: routing skips it (SUPPLIER_PAUSED); dispatched orders continue. */
  readonly paused?: { readonly at: string; readonly actorId?: string | undefined; readonly note?: string | undefined } | undefined;
}

/** Canonical columns of an inventory feed row (CSV headers are mapped onto these by aliases). */
export const FEED_FIELDS = ['supplierSku', 'quantity', 'cost', 'map', 'discontinued', 'currency'] as const;
export type FeedField = (typeof FEED_FIELDS)[number];

export interface SupplierFileSettings {
  /** Format of purchase-order (and cancellation) files written to a `file` supplier's outbox. */
  readonly purchaseOrderFormat: 'csv' | 'json';
  /** Extra accepted header names per canonical field (case-insensitive), added to the defaults. */
  readonly headerAliases?: Partial<Record<FeedField, readonly string[]>> | undefined;
  /** Share of bad rows (0..1) above which a whole feed file is quarantined instead of applied. Default 0.2. */
  readonly quarantineThreshold?: number | undefined;
  /** How `cost` / `map` columns are written: `major` = decimal units (12.50, default), `minor` = integer cents. */
  readonly moneyUnits?: 'major' | 'minor' | undefined;
}

/** Kinds of files a supplier drops in its inbox (`suppliers/{id}/inbox/{kind-folder}/...`). */
export const SUPPLIER_FILE_KINDS = ['INVENTORY', 'TRACKING', 'ACKNOWLEDGEMENT', 'RETURNS'] as const;
export type SupplierFileKind = (typeof SUPPLIER_FILE_KINDS)[number];

export const SUPPLIER_FILE_STATUSES = ['PROCESSING', 'APPLIED', 'QUARANTINED', 'REFUSED', 'FAILED', 'SUPERSEDED'] as const;
export type SupplierFileStatus = (typeof SUPPLIER_FILE_STATUSES)[number];

/** The record of one supplier file (`FILE#{supplierId}` / `{kind}#{key}#{etag}`): replay guard and outcome. */
export interface SupplierFileRecord {
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly bucket: string;
  readonly objectKey: string;
  readonly etag: string;
  readonly status: SupplierFileStatus;
  readonly startedAt: string;
  readonly finishedAt?: string | undefined;
  /** Data rows read (header excluded, blank lines not counted). */
  readonly rows?: number | undefined;
  /** Rows written (changed), unchanged rows skipped, rows rejected (in the report), rows for unknown supplier SKUs. */
  readonly written?: number | undefined;
  readonly unchanged?: number | undefined;
  readonly rejected?: number | undefined;
  readonly unmapped?: number | undefined;
  /** Outbox key of the rejected-row report, when one was written. */
  readonly reportKey?: string | undefined;
  /** Why the file was quarantined / refused / failed (no PII). */
  readonly reason?: string | undefined;
}
