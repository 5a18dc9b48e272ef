import assert from 'node:assert/strict';
import type { Measurement } from '../../nodes/lib/contracts';
import { convertPulses, meterWeight, PulseConversionError } from '../../nodes/lib/reference/pulses';

const pulses = (value: number, kind: Measurement['kind'] = 'index', channel?: string): Measurement =>
  ({ quantity: 'pulse_count', value, unit: '1', kind, ...(channel ? { channel } : {}) });

describe('pulse conversion with the meter registry', function () {
  it('water: 10 L per pulse, start index 1234.56 m3, 4321 pulses → 1277.77 m3', function () {
    const row = { fluid: 'eau', pulseWeight: '10', pulseWeightUnit: 'L', initialIndex: '1234,56', unit: 'm3' };
    const { measurements, converted } = convertPulses([pulses(4321, 'index', 'a'), { quantity: 'temperature', value: 20, unit: 'Cel', kind: 'instant' }], row, 'm1');
    assert.equal(converted, 1);
    // 1234.56 + 4321 × 0.010 = 1234.56 + 43.21
    assert.deepEqual(measurements[0], { quantity: 'water_volume', value: 1277.77, unit: 'm3', kind: 'index', channel: 'a' });
    assert.deepEqual(measurements[1], { quantity: 'temperature', value: 20, unit: 'Cel', kind: 'instant' });
  });

  it('reads weight units written per pulse, as registries do (L/pulse, Wh/imp)', function () {
    const water = { fluid: 'water', pulseWeight: '1', pulseWeightUnit: 'L/pulse', initialIndex: '10', unit: 'm3' };
    // 10 + 500 × 0.001 = 10.5 m3
    assert.equal(convertPulses([pulses(500)], water, 'm2').measurements[0].value, 10.5);
    const power = { fluid: 'electricity', pulseWeight: '0.5', pulseWeightUnit: 'Wh/imp', initialIndex: '', unit: '' };
    assert.equal(convertPulses([pulses(10)], power, 'm3').measurements[0].value, 5);
    assert.throws(() => convertPulses([pulses(1)], { ...water, pulseWeightUnit: 'gallon/pulse' }, 'm4'), PulseConversionError);
  });

  it('weight unit taken from the index unit column (data/devices.csv: 0.001 m3 per pulse)', function () {
    const { measurements } = convertPulses([pulses(2500)], { fluid: 'water', pulseWeight: 0.001, initialIndex: 1234.56, unit: 'm3' }, 'm2');
    assert.equal(measurements[0].value, 1237.06); // 1234.56 + 2.5
  });

  it('electricity: 1 Wh per pulse with a start index in kWh → Wh', function () {
    const { measurements } = convertPulses([pulses(1500)], { fluid: 'électricité', pulseWeight: 1, pulseWeightUnit: 'Wh', initialIndex: 48210.5, unit: 'kWh' }, 'm3');
    assert.deepEqual(measurements[0], { quantity: 'active_energy', value: 48210500 + 1500, unit: 'Wh', kind: 'index' });
  });

  it('gas: 0.01 m3 per pulse and 11.2 kWh/m3 adds gas_energy', function () {
    const row = { fluid: 'gaz', pulseWeight: '0,01', pulseWeightUnit: 'm3', initialIndex: 100, unit: 'm3', gasCoefficientKwhPerM3: '11,2' };
    const { measurements } = convertPulses([pulses(550)], row, 'm4');
    // volume 100 + 5.5 = 105.5 m3; energy 105.5 × 11.2 kWh = 1181.6 kWh = 1181600 Wh
    assert.deepEqual(measurements, [
      { quantity: 'gas_volume', value: 105.5, unit: 'm3', kind: 'index' },
      { quantity: 'gas_energy', value: 1181600, unit: 'Wh', kind: 'index' },
    ]);
  });

  it('a delta of pulses gives a delta without the start index', function () {
    const { measurements } = convertPulses([pulses(30, 'delta')], { fluid: 'water', pulseWeight: 1, pulseWeightUnit: 'L', initialIndex: 500, unit: 'm3' }, 'm5');
    assert.deepEqual(measurements[0], { quantity: 'water_volume', value: 0.03, unit: 'm3', kind: 'delta' });
  });

  it('keeps pulses of a meter without weight, and rejects unreadable rows', function () {
    assert.equal(meterWeight({ fluid: 'water', pulseWeight: '' }, 'm6'), undefined);
    assert.equal(convertPulses([pulses(3)], { fluid: 'water' }, 'm6').measurements[0].quantity, 'pulse_count');
    assert.throws(() => convertPulses([pulses(3)], { fluid: 'fioul', pulseWeight: 1 }, 'm7'), (err: Error) => err instanceof PulseConversionError && /meter m7: fluid "fioul"/.test(err.message));
    assert.throws(() => convertPulses([pulses(3)], { fluid: 'water', pulseWeight: 'abc' }, 'm8'), /meter m8: column "pulseWeight" is not a number/);
    assert.throws(() => convertPulses([pulses(3)], { fluid: 'water', pulseWeight: 1, pulseWeightUnit: 'kWh' }, 'm9'), /unit "kWh" of column "pulseWeightUnit" is not a volume unit/);
  });
});
