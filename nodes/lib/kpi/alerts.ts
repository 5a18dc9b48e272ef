/**
 * Alerts of the energy KPIs and the tracker that decides when to notify. Pure: no Node-RED import.
 *
 * An alert has a stable id (`leak:<site>:<fluid>`, `invoice:<site>:<fluid>:<period>`,
 * `drift:<site>:<fluid>`): every evaluation gives the list of alerts that hold now, and the tracker
 * turns it into events — `raised` the first time, nothing while it stays active (or `reminder` after
 * the re-notify period, when one is set), `cleared` when it is no longer in the list.
 */
import type { Building } from './reference';
import type { LeakStatus } from './leak';
import type { Reconciliation } from './invoice';
import { invoicePeriodLabel } from './invoice';
import type { BaselineRow } from './consumption';

export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  id: string;
  severity: Severity;
  site: string;
  fluid: string;
  /** French, for a dashboard notification, an e-mail or a webhook. */
  text: string;
  /** ISO time when it was first raised (kept while it stays active). */
  raisedAt: string;
  details: Record<string, unknown>;
}

export type AlertEventType = 'raised' | 'reminder' | 'cleared';

export interface AlertEvent {
  event: AlertEventType;
  alert: Alert;
  /** ISO time of a `cleared` event. */
  clearedAt?: string;
}

export interface TrackerSnapshot {
  active: Array<{ alert: Alert; notifiedAt: number }>;
}

export class AlertTracker {
  private readonly active = new Map<string, { alert: Alert; notifiedAt: number }>();

  /** renotifyMs: 0 (default) = never repeat an active alert. */
  constructor(private readonly renotifyMs = 0, snapshot?: TrackerSnapshot) {
    for (const a of snapshot?.active ?? []) this.active.set(a.alert.id, { ...a });
  }

  /**
   * The alerts that hold at `now`; returns the events to send. Active alerts missing from `current` are
   * cleared, but only those `inScope` accepts (default all), so one tracker can serve several evaluations.
   */
  update(current: readonly Alert[], now: number, inScope: (id: string) => boolean = () => true): AlertEvent[] {
    const events: AlertEvent[] = [];
    const seen = new Set<string>();
    for (const alert of current) {
      if (seen.has(alert.id)) continue;
      seen.add(alert.id);
      const known = this.active.get(alert.id);
      if (!known) {
        this.active.set(alert.id, { alert, notifiedAt: now });
        events.push({ event: 'raised', alert });
        continue;
      }
      const updated = { ...alert, raisedAt: known.alert.raisedAt };
      known.alert = updated;
      if (this.renotifyMs > 0 && now - known.notifiedAt >= this.renotifyMs) {
        known.notifiedAt = now;
        events.push({ event: 'reminder', alert: updated });
      }
    }
    for (const [id, known] of [...this.active]) {
      if (seen.has(id) || !inScope(id)) continue;
      this.active.delete(id);
      events.push({ event: 'cleared', alert: known.alert, clearedAt: new Date(now).toISOString() });
    }
    return events;
  }

  activeAlerts(): Alert[] {
    return [...this.active.values()].map((a) => a.alert);
  }

  snapshot(): TrackerSnapshot {
    return { active: [...this.active.values()].map((a) => ({ ...a })) };
  }
}

const FLUID_FR: Record<string, string> = { water: 'd\u2019eau', gas: 'de gaz', electricity: 'd\u2019électricité', lighting: 'd\u2019éclairage' };

/** A number in French (1 234,5). */
export function fr(value: number, digits = 1): string {
  return new Intl.NumberFormat('fr-FR', { maximumFractionDigits: digits }).format(value);
}

function nameOf(site: string, buildings?: ReadonlyMap<string, Building>): string {
  return buildings?.get(site)?.name ?? site;
}

export function leakAlert(status: LeakStatus, thresholdM3h: number, now: number, buildings?: ReadonlyMap<string, Building>): Alert {
  const loss = status.estimatedLossM3PerDay ?? 0;
  const flow = status.leakFlowM3h ?? status.lastMinFlow;
  return {
    id: `leak:${status.site}:${status.fluid}`,
    severity: loss >= 10 ? 'critical' : 'warning',
    site: status.site,
    fluid: status.fluid,
    text: `Fuite probable au compteur ${FLUID_FR[status.fluid] ?? status.fluid} de ${nameOf(status.site, buildings)} : ` +
      `débit nocturne minimal de ${fr(flow, 3)} m³/h pendant ${status.consecutiveNights} nuits consécutives (seuil ${fr(thresholdM3h, 3)} m³/h), ` +
      `perte estimée ${fr(loss, 2)} m³/jour.`,
    raisedAt: new Date(now).toISOString(),
    details: {
      lastNight: status.lastNight, consecutiveNights: status.consecutiveNights, minNightFlowM3h: flow,
      thresholdM3h, estimatedLossM3PerDay: loss,
    },
  };
}

export function invoiceAlert(r: Reconciliation, thresholdPct: number, now: number, buildings?: ReadonlyMap<string, Building>): Alert {
  const inv = r.invoice;
  const pct = r.discrepancyPct ?? 0;
  const period = invoicePeriodLabel(inv);
  const unit = inv.unit === 'm3' ? 'm³' : inv.unit;
  return {
    id: `invoice:${inv.site}:${inv.fluid}:${period}`,
    severity: Math.abs(pct) >= 2 * thresholdPct ? 'critical' : 'warning',
    site: inv.site,
    fluid: inv.fluid,
    text: `Écart de facturation ${FLUID_FR[inv.fluid] ?? inv.fluid} pour ${nameOf(inv.site, buildings)} (facture ${inv.invoiceNumber}, ${period}) : ` +
      `facturé ${fr(inv.consumption, 1)} ${unit}, mesuré ${fr(r.measured, 1)} ${unit}, soit ${pct > 0 ? '+' : ''}${fr(pct, 1)} %.`,
    raisedAt: new Date(now).toISOString(),
    details: {
      invoiceNumber: inv.invoiceNumber, periodStart: inv.periodStart, periodEnd: inv.periodEnd, invoiced: inv.consumption,
      measured: r.measured, unit: inv.unit, discrepancyPct: pct, thresholdPct, amountEur: inv.amountEur,
    },
  };
}

export function driftAlert(row: BaselineRow, thresholdPct: number, now: number, buildings?: ReadonlyMap<string, Building>): Alert {
  const pct = row.deviationPct ?? 0;
  const unit = row.unit === 'm3' ? 'm³' : row.unit;
  return {
    id: `drift:${row.site}:${row.fluid}`,
    severity: pct >= 2 * thresholdPct ? 'warning' : 'info',
    site: row.site,
    fluid: row.fluid,
    text: `Consommation ${FLUID_FR[row.fluid] ?? row.fluid} de ${nameOf(row.site, buildings)} sur ${row.label} : ${fr(row.value, 1)} ${unit}, ` +
      `${pct > 0 ? '+' : ''}${fr(pct, 1)} % par rapport à la référence (${row.baselineLabel ?? ''} : ${fr(row.baseline ?? 0, 1)} ${unit}).`,
    raisedAt: new Date(now).toISOString(),
    details: { period: row.label, value: row.value, baseline: row.baseline, baselineLabel: row.baselineLabel, deviationPct: pct, thresholdPct, unit: row.unit },
  };
}
