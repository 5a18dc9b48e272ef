/**
 * Counter widths and the rounding of consumption deltas (meter-index). No Node-RED import.
 *
 * Rounding rule: a delta is the difference of two indexes, computed in binary floating point, so
 * 1234.567 − 1234.267 gives 0.2999999999999545. The delta is rounded to the number of decimals the
 * indexes themselves are written with (the most of the two, plus those of the rollover width when it
 * is involved), and never finer than 1e-12 of the indexes' magnitude (the precision a double can
 * still carry there). An index of m3 with 3 decimals therefore gives deltas with at most 3 decimals.
 */

/** Decimals of a number as JavaScript writes it (shortest round-trip form): 12.345 → 3, 1e-7 → 7, 1e21 → 0. */
export function decimalsOf(value: number): number {
  if (!Number.isFinite(value)) return 0;
  const text = String(Math.abs(value));
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) return 0;
  const fraction = match[2]?.length ?? 0;
  const exponent = match[3] === undefined ? 0 : Number(match[3]);
  return Math.max(0, fraction - exponent);
}

/** Most decimals allowed for numbers of this magnitude: 1e-12 relative, clamped to 0..15. */
function relativeDecimals(magnitude: number): number {
  const m = Math.max(Math.abs(magnitude), 1);
  return Math.min(15, Math.max(0, 12 - Math.floor(Math.log10(m))));
}

/** Rounds `value` to `decimals` decimals (0..15) without the usual x.xx5 surprises of toFixed on binary values. */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** The rounding of a delta computed from `operands` (indexes, rollover width): see the file comment. */
export function deltaDecimals(...operands: number[]): number {
  const written = Math.max(0, ...operands.map(decimalsOf));
  const magnitude = Math.max(0, ...operands.map((n) => Math.abs(n)));
  return Math.min(written, relativeDecimals(magnitude));
}

/** current − previous, rounded by the delta rule. */
export function difference(previous: number, current: number): number {
  return roundTo(current - previous, deltaDecimals(previous, current));
}

/**
 * Parses a rollover width specification into the value at which the index wraps back to 0, in the
 * measurement's unit; `undefined` means "never wraps".
 *
 * - `none`, `''`: no rollover (every backwards jump is a reset);
 * - `16bit`, `24bit`, `32bit` (also `16`, `24`, `32 bits`): a raw counter of that width, wrapping at 2^bits;
 * - `<n>digits` (`5digits`, `5 digits`, `5d`): a meter with n integer digits, wrapping at 10^n;
 * - a plain number (`100000`, `4294967.296`): the wrap value itself;
 * - any of the counter forms followed by `*<scale>` (`32bit*0.001`): the counter counts units of
 *   `scale` (e.g. a litre pulse counter read in m3 wraps at 2^32 × 0.001 m3).
 *
 * Throws an Error naming the text when it is not understood.
 */
export function parseRollover(spec: string | number | undefined | null): number | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec) || spec <= 0) throw new Error(`rollover width ${spec} is not a positive number`);
    return spec;
  }
  const text = spec.trim().toLowerCase().replace(/\s+/g, '');
  if (text === '' || text === 'none' || text === '0') return undefined;
  const [base, scaleText, extra] = text.split('*');
  let scale = 1;
  if (scaleText !== undefined) {
    scale = Number(scaleText);
    if (extra !== undefined || scaleText === '' || !Number.isFinite(scale) || scale <= 0) {
      throw new Error(`rollover width "${spec}": the scale after * must be a positive number`);
    }
  }
  let width: number;
  let match: RegExpExecArray | null;
  if ((match = /^(16|24|32|48|64)(?:bits?|b)?$/.exec(base)) !== null) {
    width = 2 ** Number(match[1]);
  } else if ((match = /^(\d{1,15})(?:digits?|d|chiffres?)$/.exec(base)) !== null) {
    const digits = Number(match[1]);
    if (digits < 1) throw new Error(`rollover width "${spec}": at least 1 digit`);
    width = 10 ** digits;
  } else if (/^\d+(?:\.\d+)?(?:e[+-]?\d+)?$/.test(base)) {
    width = Number(base);
    if (!(width > 0)) throw new Error(`rollover width "${spec}" is not a positive number`);
  } else {
    throw new Error(`rollover width "${spec}" is not understood (16bit, 24bit, 32bit, 5digits, a number, or none)`);
  }
  return scale === 1 ? width : roundTo(width * scale, deltaDecimals(width, scale) + decimalsOf(scale));
}

/**
 * Splits `total` into `parts` pieces that add up exactly (after the same rounding) to `total`:
 * piece k = round(total × k / parts) − round(total × (k − 1) / parts).
 */
export function splitEvenly(total: number, parts: number, decimals: number): number[] {
  const pieces: number[] = [];
  let before = 0;
  for (let k = 1; k <= parts; k++) {
    const upTo = k === parts ? total : roundTo((total * k) / parts, decimals);
    pieces.push(roundTo(upTo - before, decimals));
    before = upTo;
  }
  return pieces;
}
