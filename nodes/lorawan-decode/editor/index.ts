/**
 * Editor side of `lorawan-decode`. The registerType arguments stay literal so node-red-dev can read them.
 * Vendor codecs are edited as a list (model id + codec file), each with its table of mapping rules
 * (field → quantity, unit, kind, channel, scale). The canonical quantities are repeated here (DESIGN
 * §4; nodes/lib/codecs/sandbox/mapping.ts): the editor bundle must not pull runtime code.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface RuleProps {
  field: string;
  quantity: string;
  unit?: string;
  kind?: string;
  channel?: string;
  scale?: string | number;
}

interface VendorCodecProps {
  model: string;
  file: string;
  mapping: RuleProps[];
}

interface LorawanDecodeProps extends EditorNodeProperties {
  registryFile: string;
  watchRegistry: boolean;
  defaultModel: string;
  timeoutMs: number | string;
  vendorCodecs: VendorCodecProps[];
}

/** Quantity → canonical unit; then the status targets and the alarm prefix. */
const QUANTITY_UNITS: ReadonlyArray<[string, string]> = [
  ['water_volume', 'm3'], ['gas_volume', 'm3'], ['active_energy', 'Wh'], ['reactive_energy', 'varh'],
  ['pulse_count', '1'], ['active_power', 'W'], ['apparent_power', 'VA'], ['voltage', 'V'], ['current', 'A'],
  ['power_factor', '1'], ['frequency', 'Hz'], ['temperature', 'Cel'], ['humidity', '%'], ['co2', '[ppm]'],
  ['illuminance', 'lx'], ['light_level', '%'], ['relay_state', '1'], ['lamp_on_time', 'h'],
  ['status.batteryVoltage', 'V'], ['status.batteryPercent', '%'],
];

function input(className: string, value: string, placeholder: string, width: string): JQuery {
  return $('<input type="text">').addClass(className).css({ width, marginRight: '4px' }).attr('placeholder', placeholder).val(value);
}

/** The mapping table of one vendor codec. */
function ruleList(container: JQuery, rules: RuleProps[], tr: (key: string) => string): JQuery {
  const list = $('<ol class="lorawan-decode-rules"></ol>').appendTo(container);
  const quantities = $('<datalist>').attr('id', `lorawan-decode-quantities-${Math.random().toString(36).slice(2)}`).appendTo(container);
  for (const [quantity] of QUANTITY_UNITS) $('<option>').val(quantity).appendTo(quantities);
  $('<option>').val('alarm:').appendTo(quantities);
  list.editableList({
    addButton: tr('addRule'),
    height: 'auto',
    sortable: true,
    removable: true,
    addItem: function (row: JQuery, _index: number, rule: RuleProps) {
      const field = input('lorawan-decode-field', rule.field ?? '', RED._('lorawan-decode.placeholder.field'), '24%').appendTo(row);
      const quantity = input('lorawan-decode-quantity', rule.quantity ?? '', tr('quantity'), '24%').attr('list', quantities.attr('id') as string).appendTo(row);
      const unit = input('lorawan-decode-unit', rule.unit ?? '', tr('unit'), '10%').appendTo(row);
      const kind = $('<select class="lorawan-decode-kind">').css({ width: '12%', marginRight: '4px' }).appendTo(row);
      for (const value of ['', 'index', 'instant', 'delta']) $('<option>').val(value).text(value || `(${tr('kind')})`).appendTo(kind);
      kind.val(rule.kind ?? '');
      input('lorawan-decode-channel', rule.channel ?? '', RED._('lorawan-decode.placeholder.channel'), '12%').appendTo(row);
      input('lorawan-decode-scale', rule.scale === undefined ? '' : String(rule.scale), RED._('lorawan-decode.placeholder.scale'), '8%').appendTo(row);
      // The canonical unit is filled in when a known quantity is chosen.
      quantity.on('change', () => {
        const known = QUANTITY_UNITS.find(([q]) => q === String(quantity.val()).trim());
        if (known) unit.val(known[1]);
      });
      void field;
    },
  });
  for (const rule of rules) list.editableList('addItem', rule);
  return list;
}

function readRules(list: JQuery): RuleProps[] {
  const rules: RuleProps[] = [];
  list.editableList('items').each(function () {
    const row = $(this);
    const rule: RuleProps = {
      field: String(row.find('.lorawan-decode-field').val() ?? '').trim(),
      quantity: String(row.find('.lorawan-decode-quantity').val() ?? '').trim(),
    };
    const unit = String(row.find('.lorawan-decode-unit').val() ?? '').trim();
    const kind = String(row.find('.lorawan-decode-kind').val() ?? '').trim();
    const channel = String(row.find('.lorawan-decode-channel').val() ?? '').trim();
    const scale = String(row.find('.lorawan-decode-scale').val() ?? '').trim();
    if (unit) rule.unit = unit;
    if (kind) rule.kind = kind;
    if (channel) rule.channel = channel;
    if (scale) rule.scale = scale;
    if (rule.field !== '' || rule.quantity !== '') rules.push(rule);
  });
  return rules;
}

RED.nodes.registerType<LorawanDecodeProps>('lorawan-decode', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    registryFile: { value: '' },
    watchRegistry: { value: true },
    defaultModel: { value: '' },
    timeoutMs: {
      value: 100,
      validate: function (value: unknown) {
        const n = Number(value);
        return String(value ?? '') === '' || (Number.isFinite(n) && n >= 1 && n <= 10000);
      },
    },
    vendorCodecs: {
      value: [],
      validate: function (value: unknown) {
        if (!Array.isArray(value)) return false;
        return value.every((codec: VendorCodecProps) => /^[A-Za-z0-9._-]+$/.test(String(codec.model ?? '')) && String(codec.file ?? '').trim() !== '' &&
          (codec.mapping ?? []).every((rule) => String(rule.field ?? '').trim() !== '' && String(rule.quantity ?? '').trim() !== ''));
      },
    },
  },
  inputs: 1,
  outputs: 2,
  icon: 'lorawan-decode.svg',
  paletteLabel: function () {
    return this._('lorawan-decode.label.node');
  },
  label: function () {
    return this.name || this._('lorawan-decode.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'Uplink',
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'lorawan-decode.outputs.readings' : 'lorawan-decode.outputs.undecoded');
  },
  oneditprepare: function () {
    const tr = (key: string) => this._(`lorawan-decode.label.${key}`);
    $('#node-input-vendorCodecs-container').css({ 'min-height': '120px', 'min-width': '560px' }).editableList({
      addButton: tr('addCodec'),
      height: 'auto',
      sortable: false,
      removable: true,
      addItem: function (row: JQuery, _index: number, codec: VendorCodecProps) {
        const head = $('<div>').css({ marginBottom: '6px' }).appendTo(row);
        input('lorawan-decode-model', codec.model ?? '', RED._('lorawan-decode.placeholder.model'), '35%').appendTo(head);
        input('lorawan-decode-file', codec.file ?? '', RED._('lorawan-decode.placeholder.file'), '60%').appendTo(head);
        const rules = ruleList($('<div>').appendTo(row), codec.mapping ?? [], tr);
        row.data('rules', rules);
      },
    });
    for (const codec of this.vendorCodecs ?? []) $('#node-input-vendorCodecs-container').editableList('addItem', codec);
  },
  oneditsave: function () {
    const codecs: VendorCodecProps[] = [];
    $('#node-input-vendorCodecs-container').editableList('items').each(function () {
      const row = $(this);
      const model = String(row.find('.lorawan-decode-model').val() ?? '').trim();
      const file = String(row.find('.lorawan-decode-file').val() ?? '').trim();
      const rules = row.data('rules') as JQuery | undefined;
      if (model !== '' || file !== '') codecs.push({ model, file, mapping: rules ? readRules(rules) : [] });
    });
    this.vendorCodecs = codecs;
  },
  oneditresize: function () {
    // editableList sizes itself ('auto' height); nothing to do.
  },
});
