/**
 * Editor side of the `opendata-dataset` configuration node. The registerType arguments stay literal
 * so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface OpendataDatasetProps extends EditorNodeProperties {
  slug: string;
  title: string;
  description: string;
  stream: string;
  db: string;
  buildings: string;
  quantity: string;
  field: string;
  interval: string;
  aggregate: string;
  start: string;
  level: string;
  columns: string;
  unit: string;
  licence: string;
  frequency: string;
  suppress: boolean;
  siteTag: string;
  tenant: string;
}

RED.nodes.registerType<OpendataDatasetProps>('opendata-dataset', {
  category: 'config',
  defaults: {
    name: { value: '' },
    slug: { value: '', required: true, validate: RED.validators.regex(/^[a-z0-9][a-z0-9-]*$/) },
    title: { value: '', required: true },
    description: { value: '' },
    stream: { value: '', required: true },
    db: { value: '', type: 'timeseries-db' },
    buildings: { value: '', type: 'reference-source', required: false },
    quantity: { value: '', required: true, validate: RED.validators.regex(/^[A-Za-z0-9_.\-:/]+$/) },
    field: { value: 'value' },
    interval: { value: '1d', validate: RED.validators.regex(/^\d+(m|h|d|w)$/) },
    aggregate: { value: '' },
    start: { value: '-30d' },
    level: { value: 'building' },
    columns: { value: '' },
    unit: { value: '' },
    licence: { value: 'etalab-2.0' },
    frequency: { value: 'daily' },
    suppress: { value: false },
    siteTag: { value: 'site' },
    tenant: { value: '' },
  },
  paletteLabel: function () {
    return this._('opendata-dataset.label.node');
  },
  label: function () {
    return this.name || this.title || this.slug || this._('opendata-dataset.label.node');
  },
});
