/**
 * Editor side of `timeseries-query`. The registerType arguments stay literal so node-red-dev can read them.
 * Tag filters are edited as key/value rows (an editableList).
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface WhereRow {
  key: string;
  value: string;
}

interface TimeseriesQueryProps extends EditorNodeProperties {
  db: string;
  quantity: string;
  field: string;
  start: string;
  end: string;
  interval: string;
  aggregate: string;
  where: WhereRow[];
  groupBy: string;
  timezone: string;
  limit: string;
  output: string;
  raw: string;
}

const NAME = /^[A-Za-z0-9_.\-:/]*$/;
const TIME = /^$|^\d+$|^(now|today|yesterday|this-week|this-month|last-month|this-year)?([-+]\d+(\.\d+)?(ms|s|m|h|d|w|mo|y))?$|^\d{4}-\d{2}-\d{2}/;

RED.nodes.registerType<TimeseriesQueryProps>('timeseries-query', {
  category: 'smart territory',
  color: '#3FADB5',
  defaults: {
    name: { value: '' },
    db: { value: '', type: 'timeseries-db' },
    quantity: {
      value: '',
      validate: function (this: TimeseriesQueryProps, value: unknown) {
        const text = String(value ?? '').trim();
        return NAME.test(text) && (text !== '' || String(this.raw ?? '').trim() !== '');
      },
    },
    field: { value: '', validate: (value: unknown) => NAME.test(String(value ?? '').trim()) },
    start: { value: '-24h', validate: (value: unknown) => TIME.test(String(value ?? '').trim().toLowerCase()) },
    end: { value: '', validate: (value: unknown) => TIME.test(String(value ?? '').trim().toLowerCase()) },
    interval: { value: '', validate: (value: unknown) => /^$|^\d+(ms|s|m|h|d|w)$/.test(String(value ?? '').trim()) },
    aggregate: { value: '' },
    where: { value: [] },
    groupBy: { value: '', validate: (value: unknown) => /^[A-Za-z0-9_.\-:/,\s]*$/.test(String(value ?? '')) },
    timezone: { value: 'Europe/Paris' },
    limit: { value: '', validate: (value: unknown) => /^$|^\d+$/.test(String(value ?? '').trim()) },
    output: { value: 'chart' },
    raw: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'timeseries-query.svg',
  paletteLabel: function () {
    return this._('timeseries-query.label.node');
  },
  label: function () {
    return this.name || this.quantity || this._('timeseries-query.label.node');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    const list = $('#node-input-where-container');
    const keyLabel = this._('timeseries-query.label.key');
    const valueLabel = this._('timeseries-query.label.value');
    list.css('min-height', '120px').editableList({
      addItem: function (row: JQuery, _index: number, data: Partial<WhereRow>) {
        $('<input type="text" class="node-input-where-key" style="width: 35%; margin-right: 4px;">')
          .attr('placeholder', keyLabel).val(data.key ?? '').appendTo(row);
        $('<input type="text" class="node-input-where-value" style="width: 60%;">')
          .attr('placeholder', valueLabel).val(data.value ?? '').appendTo(row);
      },
      removable: true,
      sortable: false,
    });
    for (const row of this.where ?? []) list.editableList('addItem', row);
  },
  oneditsave: function () {
    const rows: WhereRow[] = [];
    $('#node-input-where-container').editableList('items').each(function () {
      const key = String($(this).find('.node-input-where-key').val() ?? '').trim();
      const value = String($(this).find('.node-input-where-value').val() ?? '').trim();
      if (key !== '') rows.push({ key, value });
    });
    this.where = rows;
  },
});
