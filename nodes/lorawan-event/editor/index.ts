/**
 * Editor side of `lorawan-event`. The registerType arguments stay literal so node-red-dev can read them.
 * The number of outputs follows the selected event kinds when "one output per event type" is set;
 * their order is fixed (EVENT_TYPES of nodes/lib/contracts.ts, repeated here: the editor bundle
 * must not pull runtime code).
 */
import type { EditorNodeInstance, EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface LorawanEventProps extends EditorNodeProperties {
  eventUp: boolean;
  eventStatus: boolean;
  eventJoin: boolean;
  eventAck: boolean;
  eventTxack: boolean;
  eventLog: boolean;
  eventLocation: boolean;
  eventIntegration: boolean;
  splitOutputs: boolean;
  dedup: boolean;
  dedupSize: number;
  defaultTenant: string;
  outputs: number;
}

type SelectProperty =
  | 'eventUp' | 'eventStatus' | 'eventJoin' | 'eventAck' | 'eventTxack' | 'eventLog' | 'eventLocation' | 'eventIntegration';

/** Event kinds in output order, with the property that selects each. */
const KINDS: ReadonlyArray<[string, SelectProperty]> = [
  ['up', 'eventUp'],
  ['status', 'eventStatus'],
  ['join', 'eventJoin'],
  ['ack', 'eventAck'],
  ['txack', 'eventTxack'],
  ['log', 'eventLog'],
  ['location', 'eventLocation'],
  ['integration', 'eventIntegration'],
];

type Selection = Partial<Record<SelectProperty, boolean>>;

/** Kinds selected in `selection`, in output order. */
function selectedKinds(selection: Selection): string[] {
  return KINDS.filter(([, property]) => selection[property] === true).map(([kind]) => kind);
}

/** The kind carried by each output port: one port per kind when split, else a single port ('all'). */
function portKinds(selection: Selection, split: boolean): string[] {
  const kinds = selectedKinds(selection);
  return split && kinds.length > 1 ? kinds : ['all'];
}

/**
 * How the old ports map onto the new ones, so wires follow their event kind: {old port: new port or
 * "-1"}, plus a non-numeric key per brand-new port (the convention of the core switch node). When one
 * port becomes several or several become one, the first port keeps its wires: the uplinks' when they
 * are selected, since `up` always comes first.
 */
function outputMap(before: string[], after: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  before.forEach((kind, port) => {
    let target = after.indexOf(kind);
    if (target < 0 && port === 0 && (kind === 'all' || after[0] === 'all')) target = 0;
    map[String(port)] = String(target);
  });
  const kept = Object.values(map);
  after.forEach((kind, port) => {
    if (!kept.includes(String(port))) map[`new-${kind}`] = String(port);
  });
  return map;
}

/** The selection as it stands in the edit dialog. */
function dialogSelection(): Selection {
  const selection: Selection = {};
  for (const [, property] of KINDS) selection[property] = $(`#node-input-${property}`).prop('checked') === true;
  return selection;
}

RED.nodes.registerType<LorawanEventProps>('lorawan-event', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    eventUp: {
      value: true,
      validate: function (this: EditorNodeInstance<LorawanEventProps>, value: unknown) {
        // At least one kind must be selected; the check sits on the first checkbox.
        return value === true || selectedKinds(this).length > 0;
      },
    },
    eventStatus: { value: false },
    eventJoin: { value: false },
    eventAck: { value: false },
    eventTxack: { value: false },
    eventLog: { value: false },
    eventLocation: { value: false },
    eventIntegration: { value: false },
    splitOutputs: { value: false },
    dedup: { value: true },
    dedupSize: {
      value: 10000,
      validate: function (value: unknown) {
        const n = Number(value);
        return Number.isInteger(n) && n >= 1 && n <= 1000000;
      },
    },
    defaultTenant: { value: '' },
    outputs: { value: 1 },
  },
  inputs: 1,
  outputs: 1,
  icon: 'lorawan-event.svg',
  paletteLabel: function () {
    return this._('lorawan-event.label.node');
  },
  label: function () {
    return this.name || this._('lorawan-event.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'MQTT',
  outputLabels: function (index: number) {
    const kind = portKinds(this, this.splitOutputs === true)[index];
    return kind === undefined ? undefined : this._(`lorawan-event.outputs.${kind}`);
  },
  oneditprepare: function () {
    const showDedup = () => $('.lorawan-event-dedup-size').toggle($('#node-input-dedup').prop('checked') === true);
    $('#node-input-dedup').on('change', showDedup);
    showDedup();
  },
  oneditsave: function () {
    const before = portKinds(this, this.splitOutputs === true);
    const after = portKinds(dialogSelection(), $('#node-input-splitOutputs').prop('checked') === true);
    $('#node-input-outputs').val(JSON.stringify(outputMap(before, after)));
  },
});
