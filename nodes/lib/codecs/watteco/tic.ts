/**
 * Watteco TIC'SO: the Linky / Enedis "télé-information client" (TIC) clusters of the Watteco ZCL
 * reports. Documentation: http://support.nke-watteco.com/tic/ (TIC clusters, field descriptors and field
 * tables); field list and types are facts of the public documentation, written here in our own code.
 *
 * The attribute value is a byte string: a field descriptor, then the fields it selects, in order.
 * - descriptor header byte: bits 4..0 = descriptor size (0 = the historic 8-byte descriptor), bit 5 = the
 *   descriptor lists field indexes (one byte each) instead of a bitfield, bit 7 = obsolete data;
 * - bitfield descriptor: the last descriptor byte holds fields 0..7 (LSB first), the one before 8..15, …
 * Clusters: 0x0053 ICE, 0x0054 CBE / "historique" (Linky historic mode and older meters), 0x0055 CJE,
 * 0x0056 Linky "standard" mode, 0x0057 PME-PMI.
 *
 * Energy indexes become `active_energy` (Wh) / `reactive_energy` (varh) with channel = the TIC label in
 * lowercase (`base`, `hchc`, `easf01`, `east`, `eait`, `ea_s`…); PAPP / SINSTS become `apparent_power` (VA),
 * IINST / IRMSn `current` (A), URMSn `voltage` (V) with channel `phase_a|b|c` for the numbered ones.
 * Everything the frame says is also kept in `info.tic.fields` (meter id ADCO/ADSC/PRM, tariff…).
 */
import type { Measurement } from '../../contracts';
import type { FrameReader } from '../reader';

const EMPTY = 0, CHAR = 1, CSTRING = 2, U8 = 3, U16 = 4, I16 = 5, U24 = 6, U32 = 7, FLOAT = 8, DMYHMS = 9,
  TS = 10, E_PT = 11, E_STD_PT = 12, TS_E_PT = 13, HMDM = 14, DMH = 15, HM = 16, SDMYHMS = 17, SDMYHMS_U8 = 18,
  SDMYHMS_U16 = 19, SDMYHMS_U24 = 20, BF32 = 21, HEXSTRING = 22, E_DIV = 23, U24_E_DIV = 24, E_CONTRAT = 25,
  E_STD_CONTRAT = 26, HHMMSSSS_11 = 27, BF8 = 28, U24X4 = 29, U24X6 = 30;

type Field = readonly [name: string, type: number];

// Enumerations of the documented TIC values (index = byte value, when bit 7 is clear).
const ENUM_DIV = ['!?!', '*', '', ' ACTIF', 'ACTIF', 'CONSO', 'CONTROLE', 'DEP', 'INACTIF', 'PROD', 'TEST', 'kVA', 'kW'];
const ENUM_PT = ['!?!', '*', '', ' ? ', '000', 'HC', 'HCD', 'HCE', 'HCH', 'HH', 'HH ', 'HP', 'HP ', 'HPD', 'HPE', 'HPH',
  'JA', 'JA ', 'P', 'P  ', 'PM', 'PM ', 'XXX'];
const ENUM_CONTRAT = ['!?!', '*', '', 'BT 4 SUP36', 'BT 5 SUP36', 'HTA 5     ', 'HTA 8     ', 'TJ EJP    ', 'TJ EJP-HH ',
  'TJ EJP-PM ', 'TJ EJP-SD ', 'TJ LU     ', 'TJ LU-CH  ', 'TJ LU-P   ', 'TJ LU-PH  ', 'TJ LU-SD  ', 'TJ MU     ',
  'TV A5 BASE', 'TV A8 BASE', 'BASE', 'H PLEINE-CREUSE', 'HPHC', 'HC', 'HC et Week-End', 'EJP', 'PRODUCTEUR'];
const ENUM_STD_PT = [...ENUM_PT, 'INDEX NON CONSO', 'BASE', 'HEURE CREUSE', 'HEURE PLEINE', 'HEURE NORMALE', 'HEURE POINTE',
  'HC BLEU', 'BUHC', 'HP BLEU', 'BUHP', 'HC BLANC', 'BCHC', 'HP BLANC', 'BCHP', 'HC ROUGE', 'RHC', 'HP ROUGE', 'RHP', 'HEURE WEEK-END'];

const ICE_GENERAL: Field[] = [
  ['CONTRAT', CSTRING], ['DATECOUR', DMYHMS], ['DATE', DMYHMS], ['EA', U24], ['ERP', U24], ['PTCOUR', CSTRING], ['PREAVIS', CSTRING], ['MODE', EMPTY],
  ['DATEPA1', DMYHMS], ['PA1', U16], ['DATEPA2', DMYHMS], ['PA2', U16], ['DATEPA3', DMYHMS], ['PA3', U16], ['DATEPA4', DMYHMS], ['PA4', U16],
  ['DATEPA5', DMYHMS], ['PA5', U16], ['DATEPA6', DMYHMS], ['PA6', U16], ['*p*', U24], ['KDC', U8], ['KDCD', U8], ['TGPHI', FLOAT],
  ['PSP', U16], ['PSPM', U16], ['PSHPH', U16], ['PSHPD', U16], ['PSHCH', U16], ['PSHCD', U16], ['PSHPE', U16], ['PSHCE', U16],
  ['PSJA', U16], ['PSHH', U16], ['PSHD', U16], ['PSHM', U16], ['PSDSM', U16], ['PSSCM', U16], ['MODE', EMPTY], ['PA1MN', U16],
  ['PA10MN', U16], ['PREA1MN', I16], ['PREA10MN', I16], ['TGPHI', FLOAT], ['U10MN', U16],
];

/** ICE period p / p-1 profiles: same layout, the label carries the period suffix. */
function icePeriod(p: string): Field[] {
  const tariffs = ['P', 'PM', 'HCE', 'HCH', 'HH', 'HCD', 'HD', 'JA', 'HPE', 'HPH', 'HPD', 'SCM', 'HM', 'DSM'];
  const reactive = ['P', 'PM', 'HCE', 'HCH', 'HH', 'HCD', 'HD', 'JA', 'HPE', 'HPH', 'HPD', 'SCM', 'HM', 'DSM'];
  return [
    [`DEBUT${p}`, DMYHMS], [`FIN${p}`, DMYHMS], [`CAF${p}`, U16], [`DATEEA${p}`, DMYHMS],
    ...tariffs.map((t): Field => [`EA${p}${t}`, U24]),
    [`DATEERP${p}`, DMYHMS], ...reactive.map((t): Field => [`ERP${p}${t}`, U24]),
    [`DATEERN${p}`, DMYHMS], ...reactive.map((t): Field => [`ERN${p}${t}`, U24]),
  ];
}
const ICE_P = icePeriod('p');
const ICE_P1 = icePeriod('p1');

const CBE: Field[] = [
  ['ADIR1', U16], ['ADIR2', U16], ['ADIR3', U16], ['ADCO', CSTRING], ['OPTARIF', CSTRING], ['ISOUSC', U8], ['BASE', U32], ['HCHC', U32],
  ['HCHP', U32], ['EJPHN', U32], ['EJPHPM', U32], ['BBRHCJB', U32], ['BBRHPJB', U32], ['BBRHCJW', U32], ['BBRHPJW', U32], ['BBRHCJR', U32],
  ['BBRHPJR', U32], ['PEJP', U8], ['GAZ', U32], ['AUTRE', U32], ['PTEC', CSTRING], ['DEMAIN', CSTRING], ['IINST', U16], ['IINST1', U16],
  ['IINST2', U16], ['IINST3', U16], ['ADPS', U16], ['IMAX', U16], ['IMAX1', U16], ['IMAX2', U16], ['IMAX3', U16], ['PMAX', U32],
  ['PAPP', U32], ['HHPHC', CHAR], ['MOTDETAT', CSTRING], ['PPOT', U8],
];

const CJE: Field[] = [
  ['JAUNE', HMDM], ['JAUNE_PT', CSTRING], ['JAUNE_DP', CSTRING], ['JAUNE_ABCDE', U24], ['JAUNE_KP', U8],
  ['ENERG', U24X6], ['ENERG_2', U24], ['ENERG_3', U24], ['ENERG_4', U24], ['ENERG_5', U24], ['ENERG_6', U24],
  ['PERCC', DMH], ['PERCC_CG', U8], ['PMAXC', U24X4], ['PMAXC_2', U24], ['PMAXC_3', U24], ['PMAXC_4', U24],
  ['TDEPA', U24X4], ['TDEPA_2', U24], ['TDEPA_3', U24], ['TDEPA_4', U24], ['PERCP', DMH], ['PERCP_CG', U8],
  ['PMAXP', U24X4], ['PMAXP_2', U24], ['PMAXP_3', U24], ['PMAXP_4', U24], ['PSOUSC', U24X4], ['PSOUSC_2', U24],
  ['PSOUSC_3', U24], ['PSOUSC_4', U24], ['PSOUSP', U24X4], ['PSOUSP_2', U24], ['PSOUSP_3', U24], ['PSOUSP_4', U24],
  ['FCOU', HM], ['FCOU_DD', U8],
];

const STD: Field[] = [
  ['ADSC', CSTRING], ['VTIC', U8], ['DATE', SDMYHMS], ['NGTF', E_STD_CONTRAT], ['LTARF', E_STD_PT], ['EAST', U32], ['EASF01', U32], ['EASF02', U32],
  ['EASF03', U32], ['EASF04', U32], ['EASF05', U32], ['EASF06', U32], ['EASF07', U32], ['EASF08', U32], ['EASF09', U32], ['EASF10', U32],
  ['EASD01', U32], ['EASD02', U32], ['EASD03', U32], ['EASD04', U32], ['EAIT', U32], ['ERQ1', U32], ['ERQ2', U32], ['ERQ3', U32],
  ['ERQ4', U32], ['IRMS1', U16], ['IRMS2', U16], ['IRMS3', U16], ['URMS1', U16], ['URMS2', U16], ['URMS3', U16], ['PREF', U8],
  ['PCOUP', U8], ['SINSTS', U24], ['SINSTS1', U24], ['SINSTS2', U24], ['SINSTS3', U24], ['SMAXSN', SDMYHMS_U24], ['SMAXSN1', SDMYHMS_U24], ['SMAXSN2', SDMYHMS_U24],
  ['SMAXSN3', SDMYHMS_U24], ['SMAXSN-1', SDMYHMS_U24], ['SMAXSN1-1', SDMYHMS_U24], ['SMAXSN2-1', SDMYHMS_U24], ['SMAXSN3-1', SDMYHMS_U24], ['SINSTI', U24], ['SMAXIN', SDMYHMS_U24], ['SMAXIN-1', SDMYHMS_U24],
  ['CCASN', SDMYHMS_U24], ['CCASN-1', SDMYHMS_U24], ['CCAIN', SDMYHMS_U24], ['CCAIN-1', SDMYHMS_U24], ['UMOY1', SDMYHMS_U16], ['UMOY2', SDMYHMS_U16], ['UMOY3', SDMYHMS_U16], ['STGE', BF32],
  ['DPM1', SDMYHMS_U8], ['FPM1', SDMYHMS_U8], ['DPM2', SDMYHMS_U8], ['FPM2', SDMYHMS_U8], ['DPM3', SDMYHMS_U8], ['FPM3', SDMYHMS_U8], ['MSG1', CSTRING], ['MSG2', CSTRING],
  ['PRM', CSTRING], ['RELAIS', BF8], ['NTARF', U8], ['NJOURF', U8], ['NJOURF+1', U8], ['PJOURF+1', HHMMSSSS_11], ['PPOINTE', HHMMSSSS_11],
];

const PMEPMI: Field[] = [
  ['TRAME', E_DIV], ['ADS', HEXSTRING], ['MESURES1', E_CONTRAT], ['DATE', DMYHMS], ['EA_s', U24], ['ER+_s', U24], ['ER-_s', U24], ['EAPP_s', U24],
  ['EA_i', U24], ['ER+_i', U24], ['ER-_i', U24], ['EAPP_i', U24], ['PTCOUR1', E_PT], ['TARIFDYN', E_DIV], ['ETATDYN1', E_PT], ['PREAVIS1', E_PT],
  ['TDYN1CD', TS_E_PT], ['TDYN1CF', TS_E_PT], ['TDYN1FD', TS_E_PT], ['TDYN1FF', TS_E_PT], ['MODE', E_DIV], ['CONFIG', E_DIV], ['DATEPA1', DMYHMS], ['PA1_s', U16],
  ['PA1_i', U16], ['DATEPA2', TS], ['PA2_s', U16], ['PA2_i', U16], ['DATEPA3', TS], ['PA3_s', U16], ['PA3_i', U16], ['DATEPA4', TS],
  ['PA4_s', U16], ['PA4_i', U16], ['DATEPA5', TS], ['PA5_s', U16], ['PA5_i', U16], ['DATEPA6', TS], ['PA6_s', U16], ['PA6_i', U16],
  ['DebP', TS], ['EAP_s', U24], ['EAP_i', U24], ['ER+P_s', U24], ['ER-P_s', U24], ['ER+P_i', U24], ['ER-P_i', U24], ['DebP-1', TS],
  ['FinP-1', TS], ['EaP-1_s', U24], ['EaP-1_i', U24], ['ER+P-1_s', U24], ['ER-P-1_s', U24], ['ER+P-1_i', U24], ['ER-P-1_i', U24], ['PS', U24_E_DIV],
  ['PREAVIS', E_DIV], ['PA1MN', U16], ['PMAX_s', U24_E_DIV], ['PMAX_i', U24_E_DIV], ['TGPHI_s', FLOAT], ['TGPHI_i', FLOAT], ['MESURES2', E_CONTRAT], ['PTCOUR2', E_PT],
  ['ETATDYN2', E_PT], ['PREAVIS2', E_PT], ['TDYN2CD', TS_E_PT], ['TDYN2CF', TS_E_PT], ['TDYN2FD', TS_E_PT], ['TDYN2FF', TS_E_PT], ['DebP_2', TS], ['EaP_s2', U24],
  ['DebP-1_2', TS], ['FinP-1_2', TS], ['EaP-1_s2', U24], ['_DDMES1_', U24],
];

/** How a numeric TIC field becomes a measurement: quantity, unit, kind, channel, factor to the unit. */
type Mapping = readonly [quantity: string, unit: string, kind: 'index' | 'instant', channel: string | undefined, factor: number];

const MAPPINGS = new Map<string, Mapping>();
function energy(names: string[], quantity: string, unit: string, factor = 1): void {
  for (const n of names) MAPPINGS.set(n, [quantity, unit, 'index', n.toLowerCase(), factor]);
}
energy(['BASE', 'HCHC', 'HCHP', 'EJPHN', 'EJPHPM', 'BBRHCJB', 'BBRHPJB', 'BBRHCJW', 'BBRHPJW', 'BBRHCJR', 'BBRHPJR'], 'active_energy', 'Wh');
energy(['EAST', 'EASF01', 'EASF02', 'EASF03', 'EASF04', 'EASF05', 'EASF06', 'EASF07', 'EASF08', 'EASF09', 'EASF10',
  'EASD01', 'EASD02', 'EASD03', 'EASD04', 'EAIT'], 'active_energy', 'Wh');
energy(['ERQ1', 'ERQ2', 'ERQ3', 'ERQ4'], 'reactive_energy', 'varh');
energy(['EA', 'EA_s', 'EA_i'], 'active_energy', 'Wh');
energy(['ERP', 'ER+_s', 'ER-_s', 'ER+_i', 'ER-_i'], 'reactive_energy', 'varh');
energy(['EAP_s', 'EAP_i'], 'active_energy', 'Wh', 1000); // kWh
energy(['ER+P_s', 'ER-P_s', 'ER+P_i', 'ER-P_i'], 'reactive_energy', 'varh', 1000); // kvarh
MAPPINGS.set('PAPP', ['apparent_power', 'VA', 'instant', undefined, 1]);
MAPPINGS.set('SINSTS', ['apparent_power', 'VA', 'instant', undefined, 1]);
MAPPINGS.set('IINST', ['current', 'A', 'instant', undefined, 1]);
const PHASES = ['phase_a', 'phase_b', 'phase_c'];
for (let i = 0; i < 3; i++) {
  MAPPINGS.set(`IINST${i + 1}`, ['current', 'A', 'instant', PHASES[i], 1]);
  MAPPINGS.set(`IRMS${i + 1}`, ['current', 'A', 'instant', PHASES[i], 1]);
  MAPPINGS.set(`URMS${i + 1}`, ['voltage', 'V', 'instant', PHASES[i], 1]);
  MAPPINGS.set(`SINSTS${i + 1}`, ['apparent_power', 'VA', 'instant', PHASES[i], 1]);
}

export const TIC_ENERGY_CHANNELS = [...MAPPINGS.entries()].filter(([, m]) => m[0] === 'active_energy').map(([, m]) => m[3] as string);

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `DD/MM/YY hh:mm:ss` from six bytes, as the TIC prints dates. */
function dmyhms(r: FrameReader): string {
  const d = r.u8('TIC date'), m = r.u8('TIC date'), y = r.u8('TIC date');
  const hh = r.u8('TIC date'), mm = r.u8('TIC date'), ss = r.u8('TIC date');
  return `${pad2(d)}/${pad2(m)}/${pad2(y)} ${pad2(hh)}:${pad2(mm)}:${pad2(ss)}`;
}

/** Seconds since 2000-01-01T00:00:00Z, as an ISO string. */
function timestamp(r: FrameReader): string {
  return new Date((946684800 + r.u32be('TIC timestamp')) * 1000).toISOString();
}

function enumValue(r: FrameReader, table: string[]): string {
  const b = r.u8('TIC enumeration');
  if (b & 0x80) return r.ascii(b & 0x7f, 'TIC string');
  return table[b] ?? `#${b}`;
}

function cstring(r: FrameReader, end: number): string {
  let stop = r.offset;
  while (stop < end && r.bytes[stop] !== 0) stop++;
  if (stop >= end) throw r.error('too-short', 'TIC string has no terminating zero');
  const s = r.ascii(stop - r.offset, 'TIC string');
  r.offset++;
  return s;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function readField(r: FrameReader, type: number, end: number): unknown {
  switch (type) {
    case EMPTY: return '';
    case CHAR: return r.ascii(1, 'TIC char');
    case CSTRING: return cstring(r, end);
    case U8: case BF8: return r.u8('TIC field');
    case U16: return r.u16be('TIC field');
    case I16: return r.i16be('TIC field');
    case U24: return r.uint(3, 'be', 'TIC field');
    case U32: return r.u32be('TIC field');
    case FLOAT: {
      const b = r.bytesOf(4, 'TIC float');
      return finite(new DataView(b.buffer, b.byteOffset, 4).getFloat32(0));
    }
    case DMYHMS: return dmyhms(r);
    case TS: return timestamp(r);
    case E_PT: return enumValue(r, ENUM_PT);
    case E_STD_PT: return enumValue(r, ENUM_STD_PT);
    case E_DIV: return enumValue(r, ENUM_DIV);
    case E_CONTRAT: return enumValue(r, ENUM_CONTRAT);
    case E_STD_CONTRAT: return enumValue(r, ENUM_CONTRAT);
    case TS_E_PT: return { date: timestamp(r), value: enumValue(r, ENUM_PT) };
    case U24_E_DIV: return { value: r.uint(3, 'be', 'TIC field'), label: enumValue(r, ENUM_DIV) };
    case HMDM: {
      const hh = r.u8('TIC date'), mm = r.u8('TIC date'), d = r.u8('TIC date'), m = r.u8('TIC date');
      return `${pad2(d)}/${pad2(m)} ${pad2(hh)}:${pad2(mm)}`;
    }
    case DMH: {
      const d = r.u8('TIC date'), m = r.u8('TIC date'), hh = r.u8('TIC date');
      return `${pad2(d)}/${pad2(m)} ${pad2(hh)}`;
    }
    case HM: {
      const hh = r.u8('TIC time'), mm = r.u8('TIC time');
      return `${pad2(hh)}:${pad2(mm)}`;
    }
    case SDMYHMS: return { S: r.ascii(1, 'TIC season'), Date: dmyhms(r) };
    case SDMYHMS_U8: return { S: r.ascii(1, 'TIC season'), Date: dmyhms(r), Value: r.u8('TIC field') };
    case SDMYHMS_U16: return { S: r.ascii(1, 'TIC season'), Date: dmyhms(r), Value: r.u16be('TIC field') };
    case SDMYHMS_U24: return { S: r.ascii(1, 'TIC season'), Date: dmyhms(r), Value: r.uint(3, 'be', 'TIC field') };
    case BF32: return hex(r.bytesOf(4, 'TIC bitfield'));
    case HEXSTRING: return hex(r.bytesOf(r.u8('TIC string size'), 'TIC string'));
    case U24X4: case U24X6: {
      const n = type === U24X4 ? 4 : 6;
      const values: number[] = [];
      for (let i = 0; i < n; i++) values.push(r.uint(3, 'be', 'TIC field'));
      return values;
    }
    case HHMMSSSS_11: {
      const blocks: Array<{ time?: string; status: string }> = [];
      for (let i = 0; i < 11; i++) {
        const hh = r.u8('TIC schedule');
        if (hh === 0xff) { blocks.push({ status: 'NONUTILE' }); continue; }
        const mm = r.u8('TIC schedule');
        blocks.push({ time: `${pad2(hh)}:${pad2(mm)}`, status: hex(r.bytesOf(2, 'TIC schedule')) });
      }
      return blocks;
    }
    default:
      throw r.error('invalid-value', `unknown TIC field type ${type}`);
  }
}

export interface TicResult {
  measurements: Measurement[];
  info: Record<string, unknown>;
}

const FRAME_TYPES: Record<number, string> = { 0x0053: 'ICE', 0x0054: 'historic', 0x0055: 'CJE', 0x0056: 'standard', 0x0057: 'PME-PMI' };

export function isTicCluster(cluster: number): boolean {
  return cluster >= 0x0053 && cluster <= 0x0057;
}

/** Decodes the TIC byte string `[r.offset, end)` of cluster `cluster`, attribute `attribute`. */
export function decodeTic(r: FrameReader, cluster: number, attribute: number, end: number): TicResult {
  let profile: Field[];
  if (cluster === 0x0053) {
    const kind = attribute & 0xff;
    profile = kind === 0 ? ICE_GENERAL : kind === 1 ? ICE_P : kind === 2 ? ICE_P1 : [];
    if (!profile.length) throw r.error('unknown-frame', `TIC ICE attribute 0x${attribute.toString(16)} not understood`);
  } else if (cluster === 0x0054) profile = CBE;
  else if (cluster === 0x0055) profile = CJE;
  else if (cluster === 0x0056) profile = STD;
  else profile = PMEPMI;
  if ((attribute & 0xff) !== 0 && cluster !== 0x0053) {
    throw r.error('unknown-frame', `TIC attribute 0x${attribute.toString(16)} not understood`);
  }

  const start = r.offset;
  const header = r.u8('TIC descriptor');
  const size = header & 0x1f || 8;
  r.need(size - 1, 'TIC descriptor');
  const indexes: number[] = [];
  if (header & 0x20) {
    for (let i = 1; i < size; i++) indexes.push(r.bytes[start + i]);
  } else {
    let field = 0;
    for (let i = size - 1; i >= 1; i--) {
      const b = r.bytes[start + i];
      for (let bit = 0; bit < 8; bit++, field++) if (b & (1 << bit)) indexes.push(field);
    }
  }
  r.offset = start + size;
  if (r.offset > end) throw r.error('too-short', 'TIC descriptor longer than the attribute value', start);

  const measurements: Measurement[] = [];
  const fields: Record<string, unknown> = {};
  for (const index of indexes) {
    const field = profile[index];
    if (!field) throw r.error('invalid-value', `TIC field index ${index} not documented for ${FRAME_TYPES[cluster]} frames`);
    const value = readField(r, field[1], end);
    if (r.offset > end) throw r.error('too-short', `TIC field ${field[0]} runs past the attribute value`);
    fields[field[0]] = value;
    const mapping = typeof value === 'number' ? MAPPINGS.get(field[0]) : undefined;
    if (mapping) {
      const m: Measurement = { quantity: mapping[0], value: (value as number) * mapping[4], unit: mapping[1], kind: mapping[2] };
      if (mapping[3] !== undefined) m.channel = mapping[3];
      measurements.push(m);
    }
  }
  r.offset = end;
  const info: Record<string, unknown> = { frameType: FRAME_TYPES[cluster], fields };
  if (header & 0x80) info.obsolete = true;
  return { measurements, info };
}
