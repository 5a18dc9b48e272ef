/**
 * Editor side of `lighting-control`. The registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LightingControlProps extends EditorNodeProperties {
  groups: string;
  multicastGroups: string;
  timeoutMin: number | string;
  retries: number | string;
  retryMode: string;
  tolerancePct: number | string;
  dutyCyclePct: number | string;
  dataRate: number | string;
  defaultGateway: string;
  minMulticast: number | string;
  downlinkTtlMin: number | string;
  audit: boolean;
  auditFile: string;
}

function jsonOrEmpty(v: string): boolean {
  if (v === undefined || v.trim() === '') return true;
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
}

RED.nodes.registerType<LightingControlProps>('lighting-control', {
  category: 'smart territory',
  color: '#F3D36B',
  defaults: {
    name: { value: '' },
    groups: { value: '', validate: jsonOrEmpty },
    multicastGroups: { value: '', validate: jsonOrEmpty },
    timeoutMin: { value: 20, validate: RED.validators.number(true) },
    retries: { value: 2, validate: RED.validators.number(true) },
    retryMode: { value: 'requestStatus' },
    tolerancePct: { value: 2, validate: RED.validators.number(true) },
    dutyCyclePct: { value: 10, validate: RED.validators.number(true) },
    dataRate: { value: 0, validate: RED.validators.number(true) },
    defaultGateway: { value: '' },
    minMulticast: { value: 2, validate: RED.validators.number(true) },
    downlinkTtlMin: { value: 10, validate: RED.validators.number(true) },
    audit: { value: true },
    auditFile: { value: '' },
  },
  inputs: 1,
  outputs: 2,
  icon: 'lighting-control.svg',
  inputLabels: function () {
    return RED._('lighting-control.inputs.request');
  },
  outputLabels: function (index: number) {
    return RED._(index === 0 ? 'lighting-control.outputs.downlinks' : 'lighting-control.outputs.events');
  },
  label: function () {
    return this.name || RED._('lighting-control.label.node');
  },
  paletteLabel: function () {
    return RED._('lighting-control.label.node');
  },
  oneditprepare: function () {
    for (const id of ['groups', 'multicastGroups']) {
      $(`#node-input-${id}`).css({ fontFamily: 'monospace', width: '70%' });
    }
  },
});
