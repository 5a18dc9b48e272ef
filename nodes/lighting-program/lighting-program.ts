/**
 * `lighting-program` (config): a street-lighting program edited in the editor — steps at a clock
 * time (local Europe/Paris) or at sunset/sunrise ± minutes, each with a level (0 % = a night cut) —
 * with calendar rules (weekdays, MM-DD date ranges, French public holidays yes/no/any) and a priority
 * among the programs of one schedule (1 = highest). Used by `lighting-schedule` and `lighting-whatif`
 * through `program()`. Nothing to open or close.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { CalendarRule, LightingProgram, ProgramStep } from '../lib/lighting/model';
import { checkProgram } from '../lib/lighting/schedule';
import enUS = require('./locales/en-US/lighting-program.json');
import { Translate, translator } from '../lib/i18n';

interface StepRow {
  at?: string;
  time?: string;
  offset?: number | string;
  level?: number | string;
}

interface RuleRow {
  weekdays?: number[];
  from?: string;
  to?: string;
  holidays?: 'any' | 'yes' | 'no';
}

interface LightingProgramDef extends NodeDef {
  steps?: StepRow[];
  rules?: RuleRow[];
  priority?: number | string;
}

/** What the users of the config node see. */
interface LightingProgramNode extends Node {
  program(): LightingProgram;
  priority: number;
  /** Why the program is unusable (undefined: valid). */
  problem?: string;
}

const MMDD = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function toStep(row: StepRow): ProgramStep {
  const level = Number(String(row.level ?? '').replace(',', '.'));
  if (row.at === 'sunset' || row.at === 'sunrise') return { at: { kind: row.at, offsetMin: Number(row.offset ?? 0) || 0 }, level };
  return { at: { kind: 'clock', time: String(row.time ?? '').trim() }, level };
}

function toRule(row: RuleRow, index: number): CalendarRule {
  const rule: CalendarRule = {};
  const days = Array.isArray(row.weekdays) ? row.weekdays.map(Number).filter((d) => d >= 1 && d <= 7) : [];
  if (days.length > 0 && days.length < 7) rule.weekdays = days;
  const from = String(row.from ?? '').trim();
  const to = String(row.to ?? '').trim();
  if (from !== '' || to !== '') {
    if (!MMDD.test(from) || !MMDD.test(to)) throw new RangeError(`rule ${index + 1}: dates must be MM-DD (got "${from}" – "${to}")`);
    rule.dates = [{ from, to }];
  }
  if (row.holidays === 'yes') rule.publicHolidays = true;
  else if (row.holidays === 'no') rule.publicHolidays = false;
  return rule;
}

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LightingProgramConfig(this: LightingProgramNode, config: LightingProgramDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const p = Number(config.priority);
    node.priority = Number.isFinite(p) ? p : 1;
    let program: LightingProgram = { id: node.id, name: config.name || node.id, steps: [] };
    try {
      program = {
        id: node.id,
        name: config.name || node.id,
        steps: (Array.isArray(config.steps) ? config.steps : []).map(toStep),
        calendar: (Array.isArray(config.rules) ? config.rules : []).map(toRule),
      };
      if (program.calendar!.length === 0) delete program.calendar;
      checkProgram(program);
    } catch (err) {
      node.problem = t('lighting-program.errors.invalid', { name: program.name, detail: (err as Error).message });
      node.error(node.problem);
    }
    node.program = () => program;
  }

  RED.nodes.registerType('lighting-program', LightingProgramConfig as unknown as (this: Node, config: NodeDef) => void);
};
