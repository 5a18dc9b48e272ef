/**
 * Watteco (nke Watteco) models: TIC'SO, Triphas'O, Pulse Sens'O (and ATEX), Vaqa'O Lite.
 * Documentation: http://support.nke-watteco.com/ (ZCL standard reports, TIC clusters, batch reports
 * "br_uncompress"). All models share the ZCL engine (zcl.ts), the TIC decoder (tic.ts) and the batch
 * uncompressor (batch.ts); this file holds what differs per model: endpoint meaning and batch tags.
 *
 * Decoded: every standard report / alarm report / read-attribute response of the clusters the models
 * send (see zcl.ts), configuration responses as info; batch reports of the Pulse Sens'O (ATEX) and of the
 * Vaqa'O Lite, with sample times from recvTime. NOT decoded: batch reports of the TIC'SO and Triphas'O
 * (their batch tag lists are not in the public documentation we have): they throw
 * DecodeError('unknown-frame', 'batch report not supported yet'). No downlink encoder.
 */
import type { Measurement, ReadingStatus } from '../../contracts';
import { DecodeError, DecodedFrame, DecodeInput, DeviceCodec, QuantityInfo } from '../types';
import { BatchConfig, BatchTag, decodeBatch, ST_BL, ST_I16, ST_U16, ST_U32, ST_U8 } from './batch';
import { TIC_ENERGY_CHANNELS } from './tic';
import { decodeStandard, WATTECO_PORT, ZclProfile } from './zcl';

const DOC = 'http://support.nke-watteco.com/';

/** Where a batch sample goes: a measurement, the battery voltage, or info only. */
type BatchTarget =
  | { kind: 'measurement'; quantity: string; unit: string; mkind: 'index' | 'instant'; channel?: string }
  | { kind: 'battery' }
  | { kind: 'info' };

interface BatchModel {
  config: BatchConfig;
  targets: Map<number, BatchTarget>;
}

function tag(label: number, resolution: number, sampleType: number, divide: number, name: string): BatchTag {
  return { label, resolution, sampleType, divide, name };
}

const PULSE_BATCH: BatchModel = {
  config: {
    tagSize: 4,
    tags: [
      tag(0, 1, ST_U32, 1, 'index_1'), tag(1, 1, ST_U32, 1, 'index_2'), tag(2, 1, ST_U32, 1, 'index_3'),
      tag(3, 1, ST_BL, 1, 'pin_state_1'), tag(4, 1, ST_BL, 1, 'pin_state_2'), tag(5, 1, ST_BL, 1, 'pin_state_3'),
      tag(6, 100, ST_U16, 1000, 'battery_voltage'), tag(7, 1, ST_U16, 100, 'multi_state'),
    ],
  },
  targets: new Map<number, BatchTarget>([
    [0, { kind: 'measurement', quantity: 'pulse_count', unit: '1', mkind: 'index', channel: '1' }],
    [1, { kind: 'measurement', quantity: 'pulse_count', unit: '1', mkind: 'index', channel: '2' }],
    [2, { kind: 'measurement', quantity: 'pulse_count', unit: '1', mkind: 'index', channel: '3' }],
    [6, { kind: 'battery' }],
  ]),
};

const VAQAO_BATCH: BatchModel = {
  config: {
    tagSize: 3,
    tags: [
      tag(0, 1, ST_U8, 1, 'occupancy'), tag(1, 10, ST_I16, 100, 'temperature'), tag(2, 100, ST_U16, 100, 'humidity'),
      tag(3, 10, ST_U16, 1, 'co2'), tag(4, 10, ST_U16, 1, 'iaq'), tag(5, 10, ST_U16, 1, 'illuminance'), tag(6, 10, ST_U16, 10, 'pressure'),
    ],
  },
  targets: new Map<number, BatchTarget>([
    [1, { kind: 'measurement', quantity: 'temperature', unit: 'Cel', mkind: 'instant' }],
    [2, { kind: 'measurement', quantity: 'humidity', unit: '%', mkind: 'instant' }],
    [3, { kind: 'measurement', quantity: 'co2', unit: '[ppm]', mkind: 'instant' }],
    [5, { kind: 'measurement', quantity: 'illuminance', unit: 'lx', mkind: 'instant' }],
  ]),
};

function decodeBatchFrame(input: DecodeInput, model: string, batch: BatchModel | undefined): DecodedFrame {
  if (!batch) throw new DecodeError('unknown-frame', model, input.fPort, 0, 'batch report not supported yet');
  const recv = input.recvTime.getTime();
  if (!Number.isFinite(recv)) throw new DecodeError('invalid-value', model, input.fPort, 0, 'batch report needs a valid recvTime');
  const result = decodeBatch(input.bytes, batch.config, recv, model, input.fPort);
  const measurements: Measurement[] = [];
  const other: Array<{ name: string; value: number; time: string }> = [];
  let battery: number | undefined;
  let batteryTime = -Infinity;
  for (const s of result.samples) {
    const target = batch.targets.get(s.tag.label);
    if (!Number.isFinite(s.value) || !Number.isFinite(s.time)) {
      throw new DecodeError('invalid-value', model, input.fPort, 0, `batch report: ${s.tag.name} sample out of range`);
    }
    const time = new Date(s.time).toISOString();
    if (target?.kind === 'measurement') {
      const m: Measurement = { quantity: target.quantity, value: s.value, unit: target.unit, kind: target.mkind, time };
      if (target.channel !== undefined) m.channel = target.channel;
      measurements.push(m);
    } else if (target?.kind === 'battery') {
      if (s.time >= batteryTime) { battery = s.value; batteryTime = s.time; }
    } else {
      other.push({ name: s.tag.name, value: s.value, time });
    }
  }
  const frame: DecodedFrame = { measurements, info: { frame: 'batch-report', counter: result.counter, samples: other } };
  if (battery !== undefined) frame.status = { batteryVoltage: battery } as ReadingStatus;
  return frame;
}

function wattecoCodec(spec: {
  model: string; name: string; aliases: string[]; quantities: QuantityInfo[]; profile: Omit<ZclProfile, 'model'>; batch?: BatchModel;
}): DeviceCodec {
  const profile: ZclProfile = { ...spec.profile, model: spec.model };
  return {
    model: spec.model,
    vendor: 'watteco',
    name: spec.name,
    aliases: spec.aliases,
    documentation: DOC,
    quantities: spec.quantities,
    decode(input: DecodeInput): DecodedFrame {
      if (input.fPort !== WATTECO_PORT) throw new DecodeError('unknown-port', spec.model, input.fPort, 0, `fPort ${input.fPort} is not the Watteco port 125`);
      if (input.bytes.length === 0) throw new DecodeError('too-short', spec.model, input.fPort, 0, 'empty frame');
      if ((input.bytes[0] & 0x01) === 0) return decodeBatchFrame(input, spec.model, spec.batch);
      return decodeStandard(input.bytes, input.fPort, profile);
    },
  };
}

const PHASE_CHANNELS = ['phase_a', 'phase_b', 'phase_c', 'total'];

const pulseQuantities: QuantityInfo[] = [{ quantity: 'pulse_count', unit: '1', kind: 'index', channels: ['1', '2', '3'] }];

export const codecs: DeviceCodec[] = [
  wattecoCodec({
    model: 'watteco-ticso',
    name: "Watteco TIC'SO",
    aliases: ['TICSO', "TIC'SO", 'Watteco TICSO'],
    quantities: [
      { quantity: 'active_energy', unit: 'Wh', kind: 'index', channels: TIC_ENERGY_CHANNELS },
      { quantity: 'reactive_energy', unit: 'varh', kind: 'index' },
      { quantity: 'apparent_power', unit: 'VA', kind: 'instant' },
      { quantity: 'current', unit: 'A', kind: 'instant' },
      { quantity: 'voltage', unit: 'V', kind: 'instant' },
    ],
    profile: { channel: () => undefined },
  }),
  wattecoCodec({
    model: 'watteco-triphaso',
    name: "Watteco Triphas'O",
    aliases: ['TRIPHASO', "TRIPHAS'O", 'Watteco Triphaso'],
    quantities: [
      { quantity: 'active_energy', unit: 'Wh', kind: 'index', channels: [...PHASE_CHANNELS, ...PHASE_CHANNELS.map((c) => `${c}_negative`)] },
      { quantity: 'reactive_energy', unit: 'varh', kind: 'index', channels: [...PHASE_CHANNELS, ...PHASE_CHANNELS.map((c) => `${c}_negative`)] },
      { quantity: 'active_power', unit: 'W', kind: 'instant', channels: [...PHASE_CHANNELS, ...PHASE_CHANNELS.map((c) => `${c}_negative`)] },
      { quantity: 'voltage', unit: 'V', kind: 'instant', channels: PHASE_CHANNELS.slice(0, 3) },
      { quantity: 'current', unit: 'A', kind: 'instant', channels: PHASE_CHANNELS.slice(0, 3) },
      { quantity: 'pulse_count', unit: '1', kind: 'index', channels: ['1'] },
      { quantity: 'relay_state', unit: '1', kind: 'instant', channels: ['1'] },
    ],
    profile: { channel: (endpoint) => PHASE_CHANNELS[endpoint] ?? `endpoint_${endpoint}`, inputs: 1 },
  }),
  wattecoCodec({
    model: 'watteco-pulse-senso',
    name: "Watteco Pulse Sens'O",
    aliases: ['PULSE SENSO', "Pulse Sens'O", 'Watteco Pulse Senso'],
    quantities: pulseQuantities,
    profile: { channel: () => undefined, inputs: 3 },
    batch: PULSE_BATCH,
  }),
  wattecoCodec({
    model: 'watteco-pulse-senso-atex',
    name: "Watteco Pulse Sens'O ATEX",
    aliases: ['PULSE SENSO ATEX', "Pulse Sens'O ATEX", 'Watteco Pulse Senso ATEX'],
    quantities: pulseQuantities,
    profile: { channel: () => undefined, inputs: 3 },
    batch: PULSE_BATCH,
  }),
  wattecoCodec({
    model: 'watteco-vaqao-lite',
    name: "Watteco Vaqa'O Lite",
    aliases: ['VAQAO LITE', "Vaqa'O Lite", 'Watteco Vaqao Lite', 'VAQAO-LITE'],
    quantities: [
      { quantity: 'temperature', unit: 'Cel', kind: 'instant' },
      { quantity: 'humidity', unit: '%', kind: 'instant' },
      { quantity: 'co2', unit: '[ppm]', kind: 'instant' },
      { quantity: 'illuminance', unit: 'lx', kind: 'instant' },
    ],
    profile: {
      channel: (endpoint) => (endpoint === 0 ? undefined : String(endpoint + 1)),
      concentration: (endpoint) => (endpoint === 1 ? 'co2' : 'iaq'),
      binaryInputIsTamper: true,
    },
    batch: VAQAO_BATCH,
  }),
];
