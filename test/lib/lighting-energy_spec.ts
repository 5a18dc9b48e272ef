/**
 * Energy per night and per year, hand-computed for a 4,800 W cabinet at Poitiers (46.5802 N, 0.3404 E).
 */
import assert from 'node:assert/strict';
import { nightEnergy, whatIf, yearEnergy } from '../../nodes/lib/lighting/energy';
import type { LightingProgram } from '../../nodes/lib/lighting/model';

const cabinet = { id: 'ARM-POI-0231', commune: 'Poitiers', powerW: 4800, latitude: 46.5802, longitude: 0.3404 };
const allNight: LightingProgram = { id: 'all', name: 'toute la nuit', steps: [
  { at: { kind: 'sunset', offsetMin: 0 }, level: 100 }, { at: { kind: 'sunrise', offsetMin: 0 }, level: 0 }] };
const cut: LightingProgram = { id: 'cut', name: 'extinction 00:00–05:00', steps: [
  { at: { kind: 'sunset', offsetMin: 0 }, level: 100 }, { at: { kind: 'clock', time: '00:00' }, level: 0 },
  { at: { kind: 'clock', time: '05:00' }, level: 100 }, { at: { kind: 'sunrise', offsetMin: 0 }, level: 0 }] };
const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

describe('lighting energy', function () {
  it('one night by hand: 15 January 2026', function () {
    // Sunset 15 Jan 16:37:52 UTC (lighting-astro_spec), sunrise 16 Jan 07:37:57 UTC (NOAA):
    // 15 h 00 min 05 s = 15.0014 h lit at 100 %; 4.8 kW × 15.0014 h = 72.007 kWh.
    const all = nightEnergy([allNight], cabinet, '2026-01-15');
    close(all.litHours, 15.0014, 0.034, 'lit hours all night'); // ±1 min on each sun event
    close(all.kWh, 4.8 * all.litHours, 1e-9, 'kWh = 4.8 kW × h');
    close(all.kWh, 72.0, 0.2, 'about 72 kWh');
    // With the cut: 5 h less (00:00–05:00 CET = 23:00–04:00 UTC, inside the night), 24 kWh less.
    const c = nightEnergy([cut], cabinet, '2026-01-15');
    close(all.litHours - c.litHours, 5, 1e-9, 'cut hours');
    close(all.kWh - c.kWh, 24, 1e-9, 'kWh saved');
  });

  it('the spring-forward night has a 4-hour cut, the fall-back night a 6-hour cut', function () {
    const diff = (night: string) => nightEnergy([allNight], cabinet, night).litHours - nightEnergy([cut], cabinet, night).litHours;
    close(diff('2026-03-28'), 4, 1e-9, 'spring forward');
    close(diff('2026-10-24'), 6, 1e-9, 'fall back');
    close(diff('2026-07-01'), 5, 1e-9, 'summer');
  });

  it('a year: all night ≈ 4,290 h, the 00:00–05:00 cut saves exactly 365 × 5 h = 1,825 h = 8,760 kWh', function () {
    const a = yearEnergy([allNight], cabinet, 2026);
    const b = yearEnergy([cut], cabinet, 2026);
    assert.equal(a.nights, 365);
    close(a.litHours, 4290, 10, 'dark hours (lighting.md §6: ≈ 4,290 h)');
    // −1 h on the spring night, +1 h on the autumn night: they cancel over the year.
    close(a.litHours - b.litHours, 1825, 1e-6, 'hours saved');
    close(a.kWh - b.kWh, 8760, 1e-6, 'kWh saved');
  });

  it('what-if: euros, kg CO2 and % for a commune', function () {
    const r = whatIf([allNight], [cut], [cabinet, { ...cabinet, id: 'X', powerW: 1200 }], { year: 2026, tariffEurPerKWh: 0.2, emissionKgPerKWh: 0.052 });
    close(r.rows[0].savedKWh, 8760, 1e-6, 'kWh');
    close(r.rows[0].savedEur, 1752, 1e-6, 'euros');
    close(r.rows[0].savedKgCO2, 455.52, 1e-6, 'kg CO2');
    close(r.rows[0].savedPercent, (100 * 1825) / r.rows[0].a.litHours, 1e-9, '%');
    close(r.rows[0].savedPercent, 42.5, 0.5, '≈ 42 %, as Poitiers reported');
    assert.equal(r.communes.length, 1);
    close(r.communes[0].savedKWh, 8760 + 2190, 1e-6, 'commune total');
    close(r.total.savedEur, (8760 + 2190) * 0.2, 1e-6, 'grand total');
    assert.throws(() => whatIf([allNight], [cut], [cabinet], { year: 2026, tariffEurPerKWh: -1 }), /tariff/);
  });
});
