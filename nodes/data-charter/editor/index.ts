/**
 * Editor side of the `data-charter` configuration node: the path of the charter file (empty: the
 * sample charter data/charte-donnees.json of the supervisor's data folder).
 */
import type { EditorNodeProperties, EditorRED } from 'node-red';

declare const RED: EditorRED;

interface DataCharterProps extends EditorNodeProperties {
  file: string;
}

RED.nodes.registerType<DataCharterProps>('data-charter', {
  category: 'config',
  defaults: {
    name: { value: '' },
    file: {
      value: '',
      validate: function (value: unknown) {
        const text = String(value ?? '').trim();
        return text === '' || /\.json$/i.test(text);
      },
    },
  },
  icon: 'data-charter.svg',
  label: function () {
    return this.name || this.file || this._('data-charter.label.node');
  },
});
