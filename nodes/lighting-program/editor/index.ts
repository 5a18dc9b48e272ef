/**
 * Editor side of `lighting-program` (config). Steps and calendar rules are editable lists; the
 * registerType arguments stay literal so node-red-dev can read them.
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface StepRow { at: string; time: string; offset: number; level: number }
interface RuleRow { weekdays: number[]; from: string; to: string; holidays: string }

interface LightingProgramProps extends EditorNodeProperties {
  steps: StepRow[];
  rules: RuleRow[];
  priority: number | string;
}

const CLOCK = /^([01]?\d|2[0-3]):[0-5]\d$/;
const MMDD = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

RED.nodes.registerType<LightingProgramProps>('lighting-program', {
  category: 'config',
  defaults: {
    name: { value: '' },
    steps: {
      value: [
        { at: 'sunset', time: '', offset: 0, level: 100 },
        { at: 'clock', time: '00:00', offset: 0, level: 0 },
        { at: 'clock', time: '05:00', offset: 0, level: 100 },
        { at: 'sunrise', time: '', offset: 0, level: 0 },
      ],
      validate: function (value: unknown) {
        if (!Array.isArray(value) || value.length === 0) return false;
        return value.every((s: StepRow) => {
          const level = Number(s.level);
          if (!(Number.isFinite(level) && level >= 0 && level <= 100)) return false;
          if (s.at === 'clock') return CLOCK.test(String(s.time));
          return (s.at === 'sunset' || s.at === 'sunrise') && Math.abs(Number(s.offset) || 0) <= 360;
        });
      },
    },
    rules: {
      value: [],
      validate: function (value: unknown) {
        if (!Array.isArray(value)) return false;
        return value.every((r: RuleRow) => (String(r.from ?? '') === '' && String(r.to ?? '') === '') || (MMDD.test(String(r.from)) && MMDD.test(String(r.to))));
      },
    },
    priority: { value: 1, validate: RED.validators.number() },
  },
  label: function () {
    return this.name || this._('lighting-program.label.node');
  },
  oneditprepare: function () {
    const node = this;
    const t = (key: string) => node._(`lighting-program.${key}`);
    $('#node-config-input-steps-list').css('min-height', '150px').editableList({
      sortable: true,
      removable: true,
      addItem: function (row: JQuery, _index: number, data: Partial<StepRow>) {
        const at = $('<select style="width: 120px; margin-right: 6px;"></select>').appendTo(row);
        for (const k of ['clock', 'sunset', 'sunrise']) $('<option></option>').val(k).text(t(`at.${k}`)).appendTo(at);
        const time = $('<input type="text" class="lp-time" placeholder="HH:MM" style="width: 70px; margin-right: 6px;">').appendTo(row);
        const offset = $('<input type="number" class="lp-offset" style="width: 70px; margin-right: 6px;">').appendTo(row);
        $('<span class="lp-offset-unit" style="margin-right: 10px;"></span>').text(t('label.minutes')).appendTo(row);
        const level = $('<input type="number" class="lp-level" min="0" max="100" style="width: 70px; margin-right: 4px;">').appendTo(row);
        $('<span>%</span>').appendTo(row);
        at.val(data.at ?? 'clock');
        time.val(data.time ?? '');
        offset.val(String(data.offset ?? 0));
        level.val(String(data.level ?? 0));
        const toggle = () => {
          const clock = at.val() === 'clock';
          time.toggle(clock);
          offset.toggle(!clock);
          row.find('.lp-offset-unit').toggle(!clock);
        };
        at.on('change', toggle);
        toggle();
      },
    });
    for (const s of node.steps ?? []) $('#node-config-input-steps-list').editableList('addItem', s);

    const days = ['1', '2', '3', '4', '5', '6', '7'];
    $('#node-config-input-rules-list').css('min-height', '100px').editableList({
      removable: true,
      addItem: function (row: JQuery, _index: number, data: Partial<RuleRow>) {
        const line1 = $('<div style="margin-bottom: 4px;"></div>').appendTo(row);
        for (const d of days) {
          const label = $('<label style="width: auto; margin-right: 8px;"></label>').appendTo(line1);
          $('<input type="checkbox" class="lp-day" style="width: auto; margin: 0 3px 0 0;">').val(d)
            .prop('checked', !data.weekdays || data.weekdays.length === 0 || data.weekdays.includes(Number(d))).appendTo(label);
          $('<span></span>').text(t(`day.${d}`)).appendTo(label);
        }
        const line2 = $('<div></div>').appendTo(row);
        $('<span style="margin-right: 4px;"></span>').text(t('label.from')).appendTo(line2);
        $('<input type="text" class="lp-from" placeholder="MM-DD" style="width: 70px; margin-right: 6px;">').val(data.from ?? '').appendTo(line2);
        $('<span style="margin-right: 4px;"></span>').text(t('label.to')).appendTo(line2);
        $('<input type="text" class="lp-to" placeholder="MM-DD" style="width: 70px; margin-right: 10px;">').val(data.to ?? '').appendTo(line2);
        const hol = $('<select class="lp-holidays" style="width: 180px;"></select>').appendTo(line2);
        for (const k of ['any', 'yes', 'no']) $('<option></option>').val(k).text(t(`holidays.${k}`)).appendTo(hol);
        hol.val(data.holidays ?? 'any');
      },
    });
    for (const r of node.rules ?? []) $('#node-config-input-rules-list').editableList('addItem', r);
  },
  oneditsave: function () {
    const node = this;
    const steps: StepRow[] = [];
    $('#node-config-input-steps-list').editableList('items').each(function () {
      const row = $(this);
      steps.push({
        at: String(row.find('select').val()),
        time: String(row.find('.lp-time').val() ?? '').trim(),
        offset: Number(row.find('.lp-offset').val()) || 0,
        level: Number(row.find('.lp-level').val()),
      });
    });
    node.steps = steps;
    const rules: RuleRow[] = [];
    $('#node-config-input-rules-list').editableList('items').each(function () {
      const row = $(this);
      const weekdays: number[] = [];
      row.find('.lp-day:checked').each(function () { weekdays.push(Number($(this).val())); });
      rules.push({
        weekdays: weekdays.length === 7 ? [] : weekdays,
        from: String(row.find('.lp-from').val() ?? '').trim(),
        to: String(row.find('.lp-to').val() ?? '').trim(),
        holidays: String(row.find('.lp-holidays').val()),
      });
    });
    node.rules = rules;
  },
  oneditresize: function (size: { height: number }) {
    const steps = $('#node-config-input-steps-list');
    steps.editableList('height', Math.max(150, (size.height - 260) / 2));
  },
});
