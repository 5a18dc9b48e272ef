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
  isCommandTopic, loadFleet, Scenario, SIMULATED_MODELS, SimulatedUplink, SimulatorEngine,
} from '../lib/simulator';

interface SimulatorConfig extends NodeDef {
  fleetFile?: string;
  speed?: string | number;
  seed?: string | number;
  autoStart?: boolean;
  filter?: string;
}

/** The package's sample fleet, from dist/nodes/lorawan-simulator/. */
const PACKAGE_FLEET = path.join(__dirname, '../../../data/devices.csv');
/** Status updates at most this often while running. */
const STATUS_INTERVAL_MS = 1000;
/** The scheduling timer never sleeps longer than this. */
const MAX_SLEEP_MS = 30_000;
/** ChirpStack with qos = 1, the production setting for at-least-once ingest (reliability.md). */
const PUBLISH_QOS = 1;

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
      if (engine.isRunning) {
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
      engine?.stop();
      engine = fresh;
      if (wasRunning) start();
      else { schedule(); showState(); }
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
    if (setting('lorawanSimulatorEnabled') === false) {
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lorawan-simulator.status.disabled') });
    } else if (config.autoStart !== false) {
      start();
    } else {
      showState();
    }
  }

  RED.nodes.registerType('lorawan-simulator', LorawanSimulatorNode, {
    settings: { lorawanSimulatorEnabled: { value: true, exportable: true } },
  });
};
