/**
 * Invoice reconciliation: measured consumption (sum of the delta points in the billing period) against
 * the invoiced one. Pure: no Node-RED import.
 *
 * A billing period runs from local midnight of `periodStart` to local midnight after `periodEnd` (both
 * dates included). discrepancy % = (invoiced − measured) / measured × 100: +30 means the supplier bills
 * 30 % more than the meters counted. A period with nothing measured has no discrepancy (no data is not
 * a zero consumption).
 */
import { DEFAULT_ZONE, parseLocalDate } from './calendar';
import type { DeltaPoint } from './consumption';
import type { Invoice } from './reference';

export interface Reconciliation {
  invoice: Invoice;
  /** Epoch ms, end excluded. */
  start: number;
  end: number;
  measured: number;
  /** Delta points summed. */
  points: number;
  discrepancyPct?: number;
}

export function reconcile(invoices: readonly Invoice[], points: readonly DeltaPoint[], zone = DEFAULT_ZONE): Reconciliation[] {
  const bySeries = new Map<string, DeltaPoint[]>();
  for (const p of points) {
    const key = `${p.site}\u0000${p.fluid}`;
    const list = bySeries.get(key) ?? [];
    list.push(p);
    bySeries.set(key, list);
  }
  return invoices.map((invoice) => {
    const start = parseLocalDate(invoice.periodStart, zone);
    const endDay = parseLocalDate(invoice.periodEnd, zone);
    const end = parseLocalDate(new Date(endDay + 36 * 3600000).toISOString().slice(0, 10), zone); // next local midnight
    let measured = 0;
    let count = 0;
    for (const p of bySeries.get(`${invoice.site}\u0000${invoice.fluid}`) ?? []) {
      if (p.time >= start && p.time < end) { measured += p.value; count++; }
    }
    measured = Math.round(measured * 1000) / 1000;
    const r: Reconciliation = { invoice, start, end, measured, points: count };
    if (count > 0 && measured > 0) r.discrepancyPct = Math.round(((invoice.consumption - measured) / measured) * 1000) / 10;
    return r;
  });
}

/** `2025-03` when the invoice covers exactly a calendar month, else `2025-03-05..2025-04-04`. */
export function invoicePeriodLabel(invoice: Invoice): string {
  const [y, m] = invoice.periodStart.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (invoice.periodStart.endsWith('-01') && invoice.periodEnd === `${invoice.periodStart.slice(0, 8)}${String(last).padStart(2, '0')}`) return invoice.periodStart.slice(0, 7);
  return `${invoice.periodStart}..${invoice.periodEnd}`;
}
