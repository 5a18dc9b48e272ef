/**
 * lorawan-simulator: a simulated LoRaWAN network that publishes the sample fleet's uplinks as
 * ChirpStack v4 `up` events. A thin Node-RED adapter over nodes/lib/simulator (all the logic is there).
 *
 * It opens no connection of its own: its output is meant for a core `mqtt out` node (the broker is a
 * standard mqtt-broker config node), and its input takes ChirpStack downlink commands from a core
 * `mqtt in` node subscribed to `application/+/device/+/command/down`, plus control messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import {
  HistoryReplay, isCommandTopic, loadFleet, MAX_HISTORY_DAYS, Scenario, SIMULATED_MODELS, SimulatedUplink, SimulatorEngine,
} from '../lib/simulator';

interface SimulatorConfig extends NodeDef {
  fleetFile?: string;
  speed?: string | number;
  seed?: string | number;
  autoStart?: boolean;
  filter?: string;
  /** Days of meter history replayed before going live on a fresh installation ('' or 0: none). */
  historyDays?: string | number;
}

/** The package's sample fleet, from dist/nodes/lorawan-simulator/. */
const PACKAGE_FLEET = path.join(__dirname, '../../../data/devices.csv');
/** Status updates at most this often while running. */
const STATUS_INTERVAL_MS = 1000;
/** The scheduling timer never sleeps longer than this. */
const MAX_SLEEP_MS = 30_000;
/** ChirpStack with qos = 1, the production setting for at-least-once ingest (reliability.md). */
const PUBLISH_QOS = 1;
/** The history replay waits this long after the deploy, so that the ingest is connected and subscribed. */
const HISTORY_DELAY_MS = 3000;
/** The history goes out in slices of this many uplinks, one slice every HISTORY_SLICE_MS: about 1,000 a second,
 * what the ingest flow takes on a small machine while the other flows keep running. */
const HISTORY_SLICE = 100;
const HISTORY_SLICE_MS = 100;
/** Folder of the user directory with the state file of each node: the history was replayed, the meters' indexes. */
const STATE_FOLDER = 'lorawan-simulator';
/** The meters' indexes are saved this often (and on close), so a restart goes on from them. */
const SAVE_INTERVAL_MS = 60_000;

/** What the state file holds. */
interface SavedState {
  version: 1;
  /** The history replay, once done. */
  history?: { replayedAt: string; from: string; until: string; uplinks: number; devices: number };
  /** Index of each meter (base units). */
  indexes?: Record<string, number>;
  savedAt?: string;
}

interface ScenarioCommand {
  command: 'scenario';
  /** A DevEUI, a model id, a site id or `*`. */
  target?: string;
  devEui?: string;
  model?: string;
  site?: string;
  scenario?: string;
  /** true (default) starts the scenario, false stops it; `on` is the older name. */
  active?: boolean;
  on?: boolean;
}

/** Scenarios shown at once (a frame sent outside the schedule) rather than at the next report. */
const SHOWN_AT_ONCE: readonly string[] = ['counter-reset', 'day-burner', 'lamp-failure', 'malformed'];

export = function (RED: NodeAPI) {
  /** Reads a runtime setting defensively: some runtimes throw on unknown keys. */
  function setting(name: string): unknown {
    try {
      return (RED.settings as unknown as Record<string, unknown>)[name];
    } catch {
      return undefined;
    }
  }

  /** The configured fleet file: empty = devices.csv of the data folder (settings) or of the package; relative = in that folder. */
  function fleetPath(configured: string): string {
    const dataDir = setting('supervisorDataDir');
    const folder = typeof dataDir === 'string' && dataDir !== '' && fs.existsSync(path.join(dataDir, 'devices.csv'))
      ? dataDir
      : path.dirname(PACKAGE_FLEET);
    if (configured === '') return path.join(folder, 'devices.csv');
    return path.isAbsolute(configured) ? configured : path.resolve(folder, configured);
  }

  function numberSetting(value: string | number | undefined, fallback: number, label: string, check: (n: number) => boolean): number {
    const text = String(value ?? '').trim();
    if (text === '') return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || !check(n)) throw new Error(`${label} "${text}" is not valid`);
    return n;
  }

  function LorawanSimulatorNode(this: Node, config: SimulatorConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const file = fleetPath(String(config.fleetFile ?? '').trim());
    let engine: SimulatorEngine | undefined;
    let timer: NodeJS.Timeout | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatusAt = 0;
    let closing = false;
    let replay: HistoryReplay | undefined;
    let replayTimer: NodeJS.Timeout | undefined;
    let replaySent = 0;
    let saved: SavedState = { version: 1 };
    let saveTimer: NodeJS.Timeout | undefined;

    const options = () => ({
      speed: numberSetting(config.speed, 60, 'speed', (n) => n > 0),
      seed: numberSetting(config.seed, 1, 'seed', (n) => Number.isInteger(n)),
      filter: String(config.filter ?? '').trim(),
    });

    /** Reads the fleet file and builds a stopped engine; throws with the file, line and column. */
    function createEngine(): SimulatorEngine {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`cannot read the fleet file ${file}: ${(err as Error).message}`);
      }
      const fleet = loadFleet(text, { file, models: SIMULATED_MODELS });
      return new SimulatorEngine(fleet, options());
    }

    const toMessage = (uplink: SimulatedUplink): NodeMessage & { qos: number; retain: boolean } =>
      ({ topic: uplink.topic, payload: JSON.stringify(uplink.event), qos: PUBLISH_QOS, retain: false });

    function showError(text: string): void {
      node.status({ fill: 'red', shape: 'ring', text });
    }

    function showState(): void {
      if (closing) return;
      if (statusTimer) { clearTimeout(statusTimer); statusTimer = undefined; }
      lastStatusAt = Date.now();
      if (!engine) return;
      if (replay) {
        node.status({ fill: 'blue', shape: 'dot', text: RED._('lorawan-simulator.status.history', { percent: Math.floor((100 * replaySent) / Math.max(1, replay.total)) }) });
      } else if (engine.isRunning) {
        node.status({ fill: 'green', shape: 'dot', text: RED._('lorawan-simulator.status.running', { sent: engine.stats.sent }) });
      } else {
        node.status({ fill: 'grey', shape: 'ring', text: RED._('lorawan-simulator.status.stopped') });
      }
    }

    /** Refreshes the running status at most once a second. */
    function showStateSoon(): void {
      if (statusTimer || closing) return;
      statusTimer = setTimeout(showState, Math.max(0, lastStatusAt + STATUS_INTERVAL_MS - Date.now()));
    }

    function publish(uplinks: SimulatedUplink[]): void {
      if (uplinks.length === 0) return;
      node.send([uplinks.map(toMessage)]);
      showStateSoon();
    }

    function schedule(): void {
      if (timer) { clearTimeout(timer); timer = undefined; }
      if (closing || !engine?.isRunning) return;
      const next = engine.nextDueTime();
      if (next === undefined) return;
      timer = setTimeout(onTimer, Math.min(MAX_SLEEP_MS, Math.max(0, next - Date.now())));
    }

    function onTimer(): void {
      timer = undefined;
      try {
        if (engine) publish(engine.tick(Date.now()));
      } catch (err) {
        node.error(`${RED._('lorawan-simulator.errors.tick')}: ${(err as Error).message}`);
        showError(RED._('lorawan-simulator.status.error'));
      }
      schedule();
    }

    function start(): void {
      if (!engine) throw new Error(RED._('lorawan-simulator.errors.noFleet'));
      engine.start();
      schedule();
      showState();
    }

    function stop(): void {
      engine?.stop();
      schedule();
      showState();
    }

    function reset(): void {
      const fresh = createEngine();
      const wasRunning = engine?.isRunning ?? false;
      // The fresh engine starts from the fleet's initial indexes: the history is not replayed again.
      if (replay) cancelReplay();
      engine?.stop();
      engine = fresh;
      if (wasRunning) start();
      else { schedule(); showState(); }
    }

    /** The state file of this node (undefined without a user directory). */
    function stateFile(): string | undefined {
      const userDir = setting('userDir');
      if (typeof userDir !== 'string' || userDir === '') return undefined;
      return path.join(userDir, STATE_FOLDER, `${node.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
    }

    /** The saved state; undefined when there is none. An unreadable file is reported and counts as existing. */
    function readState(file: string): SavedState | undefined {
      if (!fs.existsSync(file)) return undefined;
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedState;
        if (parsed === null || typeof parsed !== 'object') throw new Error('not a JSON object');
        return parsed;
      } catch (err) {
        node.warn(RED._('lorawan-simulator.errors.state', { file, detail: (err as Error).message }));
        return { version: 1 };
      }
    }

    /** Writes the state atomically (temporary file, rename); the meters' indexes only outside a replay. */
    function saveState(): void {
      const file = stateFile();
      if (!file || !engine || replay) return;
      const state: SavedState = { ...saved, version: 1, indexes: engine.meterIndexes(), savedAt: new Date().toISOString() };
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const temp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temp, JSON.stringify(state, null, 2));
        fs.renameSync(temp, file);
        saved = state;
      } catch (err) {
        node.warn(RED._('lorawan-simulator.errors.state', { file, detail: (err as Error).message }));
      }
    }

    function cancelReplay(): void {
      if (replayTimer) clearTimeout(replayTimer);
      replayTimer = undefined;
      replay = undefined;
    }

    /** Sends the next slice of the history; at the end records the marker (the meters then go live). */
    function replaySlice(): void {
      replayTimer = undefined;
      if (closing || !replay) return;
      try {
        const slice: SimulatedUplink[] = [];
        let batch: SimulatedUplink[] | undefined;
        while (slice.length < HISTORY_SLICE && (batch = replay.next()) !== undefined) slice.push(...batch);
        if (slice.length > 0) {
          node.send([slice.map(toMessage)]);
          replaySent += slice.length;
          showStateSoon();
          replayTimer = setTimeout(replaySlice, HISTORY_SLICE_MS);
          return;
        }
        const done = replay;
        replay = undefined;
        saved = {
          ...saved, version: 1,
          history: {
            replayedAt: new Date().toISOString(), from: new Date(done.times[0]).toISOString(),
            until: new Date(done.times[done.times.length - 1]).toISOString(), uplinks: done.total, devices: done.devEuis.length,
          },
        };
        saveState();
        node.log(RED._('lorawan-simulator.log.historyDone', { uplinks: done.total, devices: done.devEuis.length }));
      } catch (err) {
        replay = undefined;
        node.error(`${RED._('lorawan-simulator.errors.history')}: ${(err as Error).message}`);
      }
      showState();
    }

    /**
     * On a fresh installation (no state file in the user directory), replays the meters' history; the
     * other devices may go live meanwhile, the meters go live at its end.
     */
    function beginHistory(days: number, existing: boolean): void {
      if (!engine || days <= 0 || existing) return;
      replay = engine.replayHistory({ days });
      replaySent = 0;
      node.log(RED._('lorawan-simulator.log.historyStart', { days, uplinks: replay.total, devices: replay.devEuis.length }));
      replayTimer = setTimeout(replaySlice, HISTORY_DELAY_MS);
    }

    function scenario(command: ScenarioCommand): string {
      if (!engine) throw new Error(RED._('lorawan-simulator.errors.noFleet'));
      const target = command.target ?? command.devEui ?? command.model ?? command.site;
      if (typeof target !== 'string' || target === '') throw new Error('scenario: give msg.payload.target (a DevEUI, a model id, a site id or *)');
      const on = command.active !== undefined ? command.active !== false : command.on !== false;
      const devices = engine.setScenario(target, command.scenario as Scenario, on);
      // Show counter resets, day burners, lamp failures (with their alert) and malformed frames at once.
      if (engine.isRunning && on && SHOWN_AT_ONCE.includes(String(command.scenario))) {
        publish(devices.flatMap((devEui) => (engine as SimulatorEngine).uplinksNow(devEui)));
      }
      return `scenario ${command.scenario} ${on ? 'on' : 'off'} for ${devices.join(', ')}`;
    }

    function looksLikeDownlink(payload: unknown): boolean {
      return typeof payload === 'object' && payload !== null && 'fPort' in payload && ('data' in payload || 'object' in payload);
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        if (isCommandTopic(msg.topic) || looksLikeDownlink(msg.payload)) {
          if (!engine) throw new Error(RED._('lorawan-simulator.errors.noFleet'));
          if (!engine.isRunning) {
            node.warn(RED._('lorawan-simulator.warnings.stopped'));
            done();
            return;
          }
          const result = engine.handleDownlink(isCommandTopic(msg.topic) ? msg.topic : undefined, msg.payload);
          if (!result.applied) node.warn(`${result.devEui} (${result.model}): ${result.description}`);
          if (result.uplinks.length > 0) {
            send([result.uplinks.map(toMessage)]);
            showStateSoon();
          }
          done();
          return;
        }
        const payload = msg.payload as Partial<ScenarioCommand> | undefined;
        const command = String(
          (payload && typeof payload === 'object' && typeof payload.command === 'string' ? payload.command : msg.topic) ?? '',
        ).trim().toLowerCase();
        switch (command) {
          case 'start': start(); break;
          case 'stop': stop(); break;
          case 'reset': reset(); break;
          case 'scenario': node.log(scenario(payload as ScenarioCommand)); break;
          case 'scenarios':
            if (!engine) throw new Error(RED._('lorawan-simulator.errors.noFleet'));
            send({ topic: 'scenarios', payload: engine.activeScenarios() });
            break;
          default:
            throw new Error(`unknown command "${command}": send msg.topic start, stop or reset, msg.payload.command ` +
              '"scenario" or "scenarios", or a ChirpStack downlink on application/…/device/…/command/down');
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (saveTimer) clearInterval(saveTimer);
      saveTimer = undefined;
      if (!replay) saveState();
      cancelReplay();
      if (timer) clearTimeout(timer);
      if (statusTimer) clearTimeout(statusTimer);
      timer = statusTimer = undefined;
      engine?.stop();
      node.status({});
      done();
    });

    try {
      engine = createEngine();
    } catch (err) {
      node.error(`${RED._('lorawan-simulator.errors.fleet')}: ${(err as Error).message}`);
      showError(RED._('lorawan-simulator.status.fleetError'));
      return;
    }
    let historyDays = 0;
    try {
      historyDays = numberSetting(config.historyDays, 0, 'historyDays', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_HISTORY_DAYS);
    } catch (err) {
      node.error(`${RED._('lorawan-simulator.errors.history')}: ${(err as Error).message} (0 to ${MAX_HISTORY_DAYS} days)`);
    }
    if (setting('lorawanSimulatorEnabled') === false) {
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lorawan-simulator.status.disabled') });
      return;
    }
    // A restart goes on from the saved indexes; the history is replayed on a fresh installation only.
    const statePath = stateFile();
    const previous = statePath ? readState(statePath) : undefined;
    if (previous) {
      saved = { ...previous, version: 1 };
      const restored = (engine as SimulatorEngine).restoreMeterIndexes(previous.indexes ?? {});
      if (restored.length > 0) node.log(RED._('lorawan-simulator.log.indexesRestored', { count: restored.length }));
    }
    if (statePath) {
      saveTimer = setInterval(saveState, SAVE_INTERVAL_MS);
      saveTimer.unref?.();
    }
    try {
      beginHistory(historyDays, previous !== undefined);
    } catch (err) {
      replay = undefined;
      node.error(`${RED._('lorawan-simulator.errors.history')}: ${(err as Error).message}`);
    }
    if (config.autoStart !== false) {
      start();
    } else {
      showState();
    }
  }

  RED.nodes.registerType('lorawan-simulator', LorawanSimulatorNode, {
    settings: { lorawanSimulatorEnabled: { value: true, exportable: true } },
  });
};
