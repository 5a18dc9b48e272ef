/**
 * Sunrise and sunset with NOAA's solar calculator equations (NOAA Global Monitoring Laboratory,
 * public domain: https://gml.noaa.gov/grad/solcalc/calcdetails.html and its spreadsheet
 * NOAA_Solar_Calculations_day.xls, after Meeus, "Astronomical Algorithms"), written from the
 * equations, no library. For an instant t (UTC):
 *
 *   Julian century   T = (JD − 2451545) / 36525
 *   mean longitude   L0 = 280.46646 + T (36000.76983 + 0.0003032 T)        (°, mod 360)
 *   mean anomaly     M = 357.52911 + T (35999.05029 − 0.0001537 T)          (°)
 *   eccentricity     e = 0.016708634 − T (0.000042037 + 0.0000001267 T)
 *   equation of ctr  C = sin M (1.914602 − T (0.004817 + 0.000014 T)) + sin 2M (0.019993 − 0.000101 T) + 0.000289 sin 3M
 *   apparent long.   λ = L0 + C − 0.00569 − 0.00478 sin Ω,   Ω = 125.04 − 1934.136 T
 *   obliquity        ε = 23°26′21.448″ − T (46.815″ + …) + 0.00256 cos Ω
 *   declination      δ = asin(sin ε sin λ)
 *   equation of time E = 4 × deg(y sin 2L0 − 2e sin M + 4ey sin M cos 2L0 − y²/2 sin 4L0 − 5/4 e² sin 2M),  y = tan²(ε/2)   (min)
 *   hour angle       cos H = cos(90.833°) / (cos φ cos δ) − tan φ tan δ
 *   sunrise (min UTC) = 720 − 4 (longitude + H) − E ;  sunset = 720 − 4 (longitude − H) − E   (longitude east +)
 *
 * The terms are evaluated at the event itself (three refinements from 06:00 / 18:00 UTC), as NOAA's
 * calculator does. The official zenith 90.833° accounts for refraction (34′) and the solar radius
 * (16′). NOAA's simpler "fractional year" approximation (solareqns.PDF) differs from this by up to
 * about 2–3 minutes, too much for the 1-minute target, so it is not used.
 * Pure: instants are UTC `Date`s; no Node-RED import.
 */

export const OFFICIAL_ZENITH = 90.833;

const RAD = Math.PI / 180;
const DAY_MS = 86400000;

export interface SunTimes {
  /** UTC instant of sunrise, or undefined (polar day/night: never at French latitudes). */
  sunrise?: Date;
  sunset?: Date;
}

export interface SolarTerms {
  julianCentury: number;
  /** Degrees. */
  declination: number;
  /** Minutes. */
  equationOfTime: number;
}

/** Declination and equation of time at a UTC instant (epoch ms). */
export function solarTerms(epochMs: number): SolarTerms {
  const jd = epochMs / DAY_MS + 2440587.5;
  const t = (jd - 2451545) / 36525;
  const l0 = (((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360) + 360) % 360;
  const m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
  const e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const c = Math.sin(m * RAD) * (1.914602 - t * (0.004817 + 0.000014 * t)) + Math.sin(2 * m * RAD) * (0.019993 - 0.000101 * t)
    + Math.sin(3 * m * RAD) * 0.000289;
  const omega = 125.04 - 1934.136 * t;
  const lambda = l0 + c - 0.00569 - 0.00478 * Math.sin(omega * RAD);
  const eps0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const eps = eps0 + 0.00256 * Math.cos(omega * RAD);
  const declination = Math.asin(Math.sin(eps * RAD) * Math.sin(lambda * RAD)) / RAD;
  const y = Math.tan((eps / 2) * RAD) ** 2;
  const equationOfTime = (4 / RAD) * (y * Math.sin(2 * l0 * RAD) - 2 * e * Math.sin(m * RAD)
    + 4 * e * y * Math.sin(m * RAD) * Math.cos(2 * l0 * RAD) - 0.5 * y * y * Math.sin(4 * l0 * RAD) - 1.25 * e * e * Math.sin(2 * m * RAD));
  return { julianCentury: t, declination, equationOfTime };
}

/** Hour angle (degrees) of the sun at the given zenith, or NaN when the sun never reaches it. */
export function hourAngleDeg(latitude: number, declinationDeg: number, zenith = OFFICIAL_ZENITH): number {
  const phi = latitude * RAD;
  const d = declinationDeg * RAD;
  const cosHa = Math.cos(zenith * RAD) / (Math.cos(phi) * Math.cos(d)) - Math.tan(phi) * Math.tan(d);
  if (cosHa < -1 || cosHa > 1) return NaN;
  return Math.acos(cosHa) / RAD;
}

/** Minutes after 00:00 UTC of the date of its sunrise or sunset (NaN: none that day). */
export function eventMinutesUtc(kind: 'sunrise' | 'sunset', year: number, month: number, day: number, latitude: number, longitude: number, zenith = OFFICIAL_ZENITH): number {
  const base = Date.UTC(year, month - 1, day);
  let minutes = kind === 'sunrise' ? 360 : 1080;
  for (let i = 0; i < 3; i++) {
    const terms = solarTerms(base + minutes * 60000);
    const ha = hourAngleDeg(latitude, terms.declination, zenith);
    if (Number.isNaN(ha)) return NaN;
    minutes = 720 - 4 * (longitude + (kind === 'sunrise' ? ha : -ha)) - terms.equationOfTime;
  }
  return minutes;
}

/**
 * Sunrise and sunset of a calendar date (the UTC day of that date, which at French longitudes is
 * also the local day) at the given coordinates, as UTC instants rounded to the second.
 */
export function sunTimes(year: number, month: number, day: number, latitude: number, longitude: number, zenith = OFFICIAL_ZENITH): SunTimes {
  if (!Number.isFinite(latitude) || Math.abs(latitude) > 90) throw new RangeError(`latitude ${latitude} is not within ±90°`);
  if (!Number.isFinite(longitude) || Math.abs(longitude) > 180) throw new RangeError(`longitude ${longitude} is not within ±180°`);
  const base = Date.UTC(year, month - 1, day);
  const at = (m: number): Date | undefined => (Number.isNaN(m) ? undefined : new Date(base + Math.round(m * 60) * 1000));
  return {
    sunrise: at(eventMinutesUtc('sunrise', year, month, day, latitude, longitude, zenith)),
    sunset: at(eventMinutesUtc('sunset', year, month, day, latitude, longitude, zenith)),
  };
}
