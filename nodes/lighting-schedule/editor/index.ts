/**
 * Editor side of `lighting-schedule`. The registerType arguments stay literal so node-red-dev can read
 * them. Controllers are an editable list; the cabinets table (reference-source) is optional.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface TargetRow { devEui: string; model: string; latitude: number | string; longitude: number | string; powerW: number | string; name: string }

interface LightingScheduleProps extends EditorNodeProperties {
  program: string;
  program2: string;
  program3: string;
  cabinets: string;
  targets: TargetRow[];
  sendOnStart: boolean;
}

const MODELS = ['netvox-r831c', 'milesight-ws558', 'nas-ul20xx'];

RED.nodes.registerType<LightingScheduleProps>('lighting-schedule', {
  category: 'smart territory',
  color: '#F3D36B',
  defaults: {
    name: { value: '' },
    program: { value: '', type: 'lighting-program', required: true },
    program2: { value: '', type: 'lighting-program', required: false },
    program3: { value: '', type: 'lighting-program', required: false },
    cabinets: { value: '', type: 'reference-source', required: false },
    targets: {
      value: [],
      validate: function (value: unknown) {
        return Array.isArray(value) && value.every((r: TargetRow) => /^[0-9a-fA-F]{16}$/.test(String(r.devEui))
          && Math.abs(Number(r.latitude)) <= 90 && Math.abs(Number(r.longitude)) <= 180 && String(r.latitude) !== '' && String(r.longitude) !== '');
      },
    },
    sendOnStart: { value: true },
  },
  inputs: 1,
  outputs: 2,
  icon: 'lighting-schedule.svg',
  paletteLabel: function () {
    return this._('lighting-schedule.label.node');
  },
  label: function () {
    return this.name || this._('lighting-schedule.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (index: number) {
    return this._(index === 0 ? 'lighting-schedule.outputs.commands' : 'lighting-schedule.outputs.status');
  },
  oneditprepare: function () {
    const node = this;
    const t = (key: string) => node._(`lighting-schedule.label.${key}`);
    $('#node-input-targets-list').css('min-height', '120px').editableList({
      removable: true,
      addItem: function (row: JQuery, _index: number, data: Partial<TargetRow>) {
        $('<input type="text" class="ls-name" style="width: 110px; margin-right: 4px;">').attr('placeholder', node._('lighting-schedule.label.name')).val(data.name ?? '').appendTo(row);
        $('<input type="text" class="ls-deveui" style="width: 150px; margin-right: 4px;">').attr('placeholder', t('devEui')).val(data.devEui ?? '').appendTo(row);
        const model = $('<select class="ls-model" style="width: 140px; margin-right: 4px;"></select>').appendTo(row);
        for (const m of MODELS) $('<option></option>').val(m).text(m).appendTo(model);
        model.val(data.model ?? MODELS[0]);
        $('<input type="text" class="ls-lat" style="width: 70px; margin-right: 4px;">').attr('placeholder', t('latitude')).val(String(data.latitude ?? '')).appendTo(row);
        $('<input type="text" class="ls-lon" style="width: 70px; margin-right: 4px;">').attr('placeholder', t('longitude')).val(String(data.longitude ?? '')).appendTo(row);
        $('<input type="text" class="ls-power" style="width: 60px;">').attr('placeholder', t('powerW')).val(String(data.powerW ?? '')).appendTo(row);
      },
    });
    for (const r of node.targets ?? []) $('#node-input-targets-list').editableList('addItem', r);
  },
  oneditsave: function () {
    const rows: TargetRow[] = [];
    $('#node-input-targets-list').editableList('items').each(function () {
      const row = $(this);
      const num = (cls: string) => String(row.find(cls).val() ?? '').trim().replace(',', '.');
      rows.push({
        name: String(row.find('.ls-name').val() ?? '').trim(),
        devEui: String(row.find('.ls-deveui').val() ?? '').trim().toLowerCase(),
        model: String(row.find('.ls-model').val()),
        latitude: num('.ls-lat'),
        longitude: num('.ls-lon'),
        powerW: num('.ls-power'),
      });
    });
    this.targets = rows;
  },
});
