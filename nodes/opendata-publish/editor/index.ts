/**
 * Editor side of `opendata-publish`. The registerType arguments stay literal so node-red-dev can
 * read them. Up to five datasets (dataset1…dataset5); the charter is required.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface OpendataPublishProps extends EditorNodeProperties {
  dataset1: string;
  dataset2: string;
  dataset3: string;
  dataset4: string;
  dataset5: string;
  charter: string;
  http: boolean;
  basePath: string;
  publicUrl: string;
  cacheSeconds: number | string;
  folder: string;
  destination1: string;
  destination2: string;
}

RED.nodes.registerType<OpendataPublishProps>('opendata-publish', {
  category: 'smart territory',
  color: '#A6BBCF',
  defaults: {
    name: { value: '' },
    dataset1: { value: '', type: 'opendata-dataset' },
    dataset2: { value: '', type: 'opendata-dataset', required: false },
    dataset3: { value: '', type: 'opendata-dataset', required: false },
    dataset4: { value: '', type: 'opendata-dataset', required: false },
    dataset5: { value: '', type: 'opendata-dataset', required: false },
    charter: { value: '', type: 'data-charter' },
    http: { value: true },
    basePath: { value: '/opendata', validate: RED.validators.regex(/^\/?[A-Za-z0-9_\-/]*[A-Za-z0-9_-]$/) },
    publicUrl: { value: '' },
    cacheSeconds: { value: 300, validate: RED.validators.number() },
    folder: { value: '' },
    destination1: { value: '', type: 'opendata-destination', required: false },
    destination2: { value: '', type: 'opendata-destination', required: false },
  },
  inputs: 1,
  outputs: 1,
  icon: 'opendata-publish.svg',
  align: 'right',
  paletteLabel: function () {
    return this._('opendata-publish.label.node');
  },
  label: function () {
    return this.name || this._('opendata-publish.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
});
