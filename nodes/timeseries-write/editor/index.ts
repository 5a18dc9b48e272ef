/**
 * Editor side of `timeseries-write`. The registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface TimeseriesWriteProps extends EditorNodeProperties {
  db: string;
  batchSize: number;
  flushInterval: number;
  writeWhenIdle: boolean;
  maxQueuePoints: number;
  maxQueueMB: number;
  metricsInterval: number;
}

function between(min: number, max: number) {
  return function (value: unknown): boolean {
    const n = Number(value);
    return value !== '' && Number.isFinite(n) && n >= min && n <= max;
  };
}

RED.nodes.registerType<TimeseriesWriteProps>('timeseries-write', {
  category: 'smart territory',
  color: '#C0DEED',
  defaults: {
    name: { value: '' },
    db: { value: '', type: 'timeseries-db' },
    batchSize: { value: 5000, validate: between(1, 100000) },
    flushInterval: { value: 1000, validate: between(1, 600000) },
    writeWhenIdle: { value: true },
    maxQueuePoints: { value: 1000000, validate: between(1000, 1000000000) },
    maxQueueMB: { value: 256, validate: between(1, 100000) },
    metricsInterval: { value: 10, validate: between(0, 86400) },
  },
  inputs: 1,
  outputs: 2,
  icon: 'timeseries-write.svg',
  align: 'right',
  paletteLabel: function () {
    return this._('timeseries-write.label.node');
  },
  label: function () {
    return this.name || this._('timeseries-write.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (index: number) {
    return index === 0 ? this._('timeseries-write.outputs.metrics') : this._('timeseries-write.outputs.deadLetters');
  },
});
