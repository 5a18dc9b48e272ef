/**
 * NOAA sunrise/sunset for Poitiers (46.5802 N, 0.3404 E), official zenith 90.833°. Expected values
 * computed by hand from NOAA's solar-calculator equations (gml.noaa.gov/grad/solcalc/calcdetails.html),
 * evaluated at the event time; intermediate values (T = Julian century, δ = declination, E = equation
 * of time in min, H = hour angle in °; event = 720 − 4 (0.3404 ± H) − E minutes UTC):
 * - 2026-01-15 (winter): rise T 0.2603920 δ −21.1014 E −9.343 H 67.3488 → 07:38:35 UTC;
 *                        set  T 0.2604023 δ −21.0318 E −9.474 H 67.4397 → 16:37:52 UTC.
 * - 2026-03-28 (evening before spring forward): rise δ 3.0023 E −5.108 H 94.3934 → 05:46:10;
 *                        set δ 3.2072 E −4.950 H 94.6115 → 18:22:02 UTC.
 * - 2026-03-29 (spring forward): rise δ 3.3919 E −4.808 H 94.8082 → 05:44:13 UTC (07:44 CEST);
 *                        set δ 3.5971 E −4.650 H 95.0270 → 18:23:24 UTC (20:23 CEST).
 * - 2026-06-21 (summer): rise δ 23.4380 E −1.753 H 118.7624 → 04:05:20; set δ 23.4373 E −1.896 H 118.7614 → 19:55:35 UTC.
 * - 2026-10-24 / 25 (fall back): rise 06:28:39 / 06:30:05, set 16:56:15 / 16:54:35 UTC
 *   (25th: rise δ −12.1197 E 15.943 H 78.1534; set δ −12.2687 E 15.993 H 77.9856).
 * Cross-check: lighting.md §6 gives 21 Dec 17:13 → 08:39 and 21 Jun 21:55 (local) for Poitiers.
 */
import assert from 'node:assert/strict';
import { hourAngleDeg, solarTerms, sunTimes } from '../../nodes/lib/lighting/astro';

const LAT = 46.5802;
const LON = 0.3404;

function near(actual: Date | undefined, expectedIso: string, what: string): void {
  assert.ok(actual, `${what}: no event`);
  const diff = Math.abs(actual.getTime() - Date.parse(expectedIso)) / 60000;
  assert.ok(diff <= 1, `${what}: ${actual.toISOString()} is ${diff.toFixed(2)} min from ${expectedIso}`);
}

describe('lighting astro (NOAA)', function () {
  const cases: Array<[string, number, number, number, string, string]> = [
    ['winter 2026-01-15', 2026, 1, 15, '2026-01-15T07:38:35Z', '2026-01-15T16:37:52Z'],
    ['spring-forward eve 2026-03-28', 2026, 3, 28, '2026-03-28T05:46:10Z', '2026-03-28T18:22:02Z'],
    ['spring-forward 2026-03-29', 2026, 3, 29, '2026-03-29T05:44:13Z', '2026-03-29T18:23:24Z'],
    ['summer 2026-06-21', 2026, 6, 21, '2026-06-21T04:05:20Z', '2026-06-21T19:55:35Z'],
    ['fall-back eve 2026-10-24', 2026, 10, 24, '2026-10-24T06:28:39Z', '2026-10-24T16:56:15Z'],
    ['fall-back 2026-10-25', 2026, 10, 25, '2026-10-25T06:30:05Z', '2026-10-25T16:54:35Z'],
  ];
  for (const [label, y, m, d, rise, set] of cases) {
    it(`Poitiers ${label}: sunrise and sunset within 1 minute`, function () {
      const s = sunTimes(y, m, d, LAT, LON);
      near(s.sunrise, rise, `${label} sunrise`);
      near(s.sunset, set, `${label} sunset`);
    });
  }

  it('matches lighting.md for 21 December 2025 (17:13 and 08:39 local = 16:13 and 07:39 UTC)', function () {
    const s = sunTimes(2025, 12, 21, 46.58, 0.34);
    near(s.sunset, '2025-12-21T16:13:30Z', 'sunset');
    near(s.sunrise, '2025-12-21T07:39:30Z', 'sunrise');
  });

  it('gives the intermediate values written above', function () {
    const t = solarTerms(Date.parse('2026-03-29T05:44:13Z'));
    assert.ok(Math.abs(t.declination - 3.3919) < 0.001, `declination ${t.declination}`);
    assert.ok(Math.abs(t.equationOfTime - -4.808) < 0.01, `equation of time ${t.equationOfTime}`);
    assert.ok(Math.abs(hourAngleDeg(LAT, t.declination) - 94.8082) < 0.001);
  });

  it('has no sunset in the polar night and rejects bad coordinates', function () {
    assert.equal(sunTimes(2026, 12, 21, 80, 0).sunset, undefined);
    assert.throws(() => sunTimes(2026, 1, 1, 95, 0), /latitude/);
  });
});
