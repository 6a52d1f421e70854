/** The rejected-row report of a supplier file (inventory feeds, tracking and acknowledgement files), JSON and CSV. Pure. */
import { type SupplierFileKind } from '../../suppliers/domain/supplier';
import type { RejectedRow, FeedWarning } from './feed-rows';

// ------------------------------------------------------------------------------------------ report

export type FileReportStatus = 'APPLIED' | 'QUARANTINED';

/** The rejected-row report (feeds, tracking and acknowledgement files), written to the supplier's outbox. */
export interface FileReport {
  readonly file: { readonly bucket: string; readonly key: string; readonly etag: string };
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly status: FileReportStatus;
  readonly receivedAt: string;
  /** Why the file was quarantined (absent when applied). */
  readonly reason?: string | undefined;
  readonly rows: number;
  readonly written: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly unmapped: number;
  readonly rejectedRows: readonly RejectedRow[];
  readonly warnings: readonly FeedWarning[];
  /** Entries left out of rejectedRows / warnings beyond REPORT_ENTRY_LIMIT (the counts stay exact). */
  readonly omitted?: { readonly rejectedRows: number; readonly warnings: number } | undefined;
}

/** At most this many rejectedRows and this many warnings in one report (memory and file size stay bounded). */
export const REPORT_ENTRY_LIMIT = 10_000;

/** Collects a file's rejected rows and warnings (capped) and counts rejected rows exactly. */
export class ReportCollector {
  readonly rejectedRows: RejectedRow[] = [];
  readonly warnings: FeedWarning[] = [];
  /** Distinct rows rejected (a row with two bad fields counts once). */
  rejected = 0;
  omittedRejections = 0;
  omittedWarnings = 0;

  constructor(private readonly limit: number = REPORT_ENTRY_LIMIT) {}

  reject(rejections: readonly RejectedRow[]): void {
    if (rejections.length === 0) return;
    this.rejected++;
    for (const r of rejections) {
      if (this.rejectedRows.length < this.limit) this.rejectedRows.push(r);
      else this.omittedRejections++;
    }
  }

  warn(warning: FeedWarning): void {
    if (this.warnings.length < this.limit) this.warnings.push(warning);
    else this.omittedWarnings++;
  }

  /** Entries sorted by row (warnings of the header first), as a reader expects. */
  sorted(): { rejectedRows: RejectedRow[]; warnings: FeedWarning[] } {
    const byRow = <T extends { row: number }>(a: T, b: T): number => a.row - b.row;
    return { rejectedRows: [...this.rejectedRows].sort(byRow), warnings: [...this.warnings].sort(byRow) };
  }

  get omitted(): { rejectedRows: number; warnings: number } | undefined {
    return this.omittedRejections + this.omittedWarnings === 0 ? undefined : { rejectedRows: this.omittedRejections, warnings: this.omittedWarnings };
  }
}

export interface ReportCounts {
  readonly rows: number;
  readonly written: number;
  readonly unchanged: number;
  readonly unmapped: number;
}

export function buildFileReport(
  head: { file: FileReport['file']; supplierId: string; kind: SupplierFileKind; status: FileReportStatus; receivedAt: string; reason?: string | undefined },
  counts: ReportCounts,
  collector: ReportCollector,
): FileReport {
  const { rejectedRows, warnings } = collector.sorted();
  const omitted = collector.omitted;
  return {
    file: head.file,
    supplierId: head.supplierId,
    kind: head.kind,
    status: head.status,
    receivedAt: head.receivedAt,
    ...(head.reason === undefined ? {} : { reason: head.reason }),
    rows: counts.rows,
    written: counts.written,
    unchanged: counts.unchanged,
    rejected: collector.rejected,
    unmapped: counts.unmapped,
    rejectedRows,
    warnings,
    ...(omitted === undefined ? {} : { omitted }),
  };
}

/** A report is written only when there is something to say: rejected rows, warnings or a quarantine. */
export function hasSomethingToReport(report: FileReport): boolean {
  return report.status === 'QUARANTINED' || report.rejected > 0 || report.rejectedRows.length > 0 || report.warnings.length > 0;
}

/** One CSV cell: quoted when needed; a leading = + @ (or - not starting a number) is neutralized for spreadsheets. */
export function csvCell(value: string): string {
  const safe = /^[=+@\t\r]/.test(value) || /^-(?![\d.])/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The CSV twin of the report: `row,field,reason,value`, the rejected rows first, then the warnings
 * (field empty, reason `warning CODE: message`), each group by row.
 */
export function fileReportCsv(report: FileReport): string {
  const lines = ['row,field,reason,value'];
  for (const r of report.rejectedRows) lines.push([String(r.row), csvCell(r.field), csvCell(r.reason), csvCell(r.value ?? '')].join(','));
  for (const w of report.warnings) lines.push([String(w.row), '', csvCell(`warning ${w.code}: ${w.message}`), ''].join(','));
  if (report.status === 'QUARANTINED' && report.reason !== undefined) lines.push(['', '', csvCell(`QUARANTINED: ${report.reason}`), ''].join(','));
  return `${lines.join('\r\n')}\r\n`;
}
