/**
 * `lorawan-downlink`: enqueues downlinks in ChirpStack v4. A thin Node-RED adapter over
 * nodes/lib/chirpstack (request checks, MQTT command message, gRPC client with retries).
 *
 * Input: msg.payload = DownlinkRequest (nodes/lib/lighting/model.ts) or the fields of ChirpStack's
 * device-downlink node (see nodes/lib/chirpstack/downlink.ts).
 * Output 1: what was enqueued ({id, requestId, devEui | multicastGroupId, fPort, enqueuedAt, mode…}).
 * Output 2 (MQTT mode): ChirpStack's command message, for a core `mqtt out` node.
 * gRPC mode: DeviceService.Enqueue / MulticastGroupService.Enqueue with the token of the config node;
 * UNAVAILABLE and DEADLINE_EXCEEDED are retried (counted in the status), other errors go to Catch
 * nodes through done(err) with the device, the gRPC status name and ChirpStack's details.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import {
  downlinkResult, DownlinkRequestError, mqttCommand, normalizeDownlink, NormalizedDownlink, PayloadEncoding, targetOf,
} from '../lib/chirpstack/downlink';
import { ChirpstackGrpc, ChirpstackGrpcError } from '../lib/chirpstack/grpc';
import type { ChirpstackServerNode, ChirpstackServerUser } from '../lib/chirpstack/server-node';
import { compactCount, Translate, translator } from '../lib/i18n';
import enUS = require('./locales/en-US/lorawan-downlink.json');

interface LorawanDownlinkDef extends NodeDef {
  server?: string;
  encoding?: string;
  confirmed?: boolean;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

const STATUS_INTERVAL_MS = 500;
/** Hints for the gRPC statuses city staff will meet. */
const HINTED = ['UNAUTHENTICATED', 'PERMISSION_DENIED', 'NOT_FOUND', 'INVALID_ARGUMENT', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED'];

export = function (RED: NodeAPI): void {
  const t = translator(RED._ as Translate, enUS);

  function LorawanDownlinkNode(this: Node, config: LorawanDownlinkDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const encoding: PayloadEncoding = config.encoding === 'base64' ? 'base64' : 'hex';
    const server = RED.nodes.getNode(String(config.server ?? '')) as unknown as ChirpstackServerNode | null;
    if (!server || typeof server.acquire !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: t('lorawan-downlink.status.noServer') });
      node.error(t('lorawan-downlink.errors.noServer'));
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(t('lorawan-downlink.errors.noServer'))));
      return;
    }

    let sent = 0;
    let retries = 0;
    let errors = 0;
    let closed = false;
    let statusTimer: NodeJS.Timeout | undefined;
    let problem: string | undefined;
    let freshError: string | undefined;

    function showStatus(): void {
      statusTimer = undefined;
      if (closed) return;
      if (problem !== undefined) {
        node.status({ fill: 'red', shape: 'ring', text: t('lorawan-downlink.status.settings') });
        return;
      }
      const text = [
        t('lorawan-downlink.status.sent', { n: compactCount(sent) }),
        t(retries === 1 ? 'lorawan-downlink.status.retry' : 'lorawan-downlink.status.retries', { n: compactCount(retries) }),
        t('lorawan-downlink.status.errors', { n: compactCount(errors) }),
      ].join(' · ');
      if (freshError !== undefined) {
        freshError = undefined;
        node.status({ fill: 'red', shape: 'ring', text });
        // Back to the plain counters later, unless another error comes.
        statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS * 4);
        return;
      }
      node.status({ fill: sent > 0 ? 'green' : 'grey', shape: sent > 0 ? 'dot' : 'ring', text });
    }

    function statusChanged(): void {
      if (statusTimer === undefined && !closed) statusTimer = setTimeout(showStatus, STATUS_INTERVAL_MS);
    }

    const user: ChirpstackServerUser = {
      id: node.id,
      onServerStatus: (state, detail) => {
        problem = state === 'error' ? detail : undefined;
        if (!closed) showStatus();
      },
    };
    let client: ChirpstackGrpc | undefined;
    try {
      client = server.acquire(user);
    } catch (err) {
      node.error((err as Error).message);
    }

    function failed(err: unknown, msg: NodeMessageInFlow, done: Done, target: string): void {
      errors++;
      freshError = target;
      statusChanged();
      let error: Error;
      if (err instanceof ChirpstackGrpcError) {
        const hint = HINTED.includes(err.statusName) ? ` ${t(`lorawan-downlink.hints.${err.statusName}`, { server: server?.description ?? '' })}` : '';
        const retried = err.retries > 0 ? t(err.retries === 1 ? 'lorawan-downlink.errors.afterRetry' : 'lorawan-downlink.errors.afterRetries', { n: err.retries }) : '';
        error = new Error(t('lorawan-downlink.errors.grpc', {
          target: err.target, status: err.statusName, details: err.details || '-',
        }) + retried + '.' + hint, { cause: { target: err.target, code: err.code, status: err.statusName, details: err.details, retries: err.retries } });
        (error as Error & { code: string }).code = err.statusName;
      } else if (err instanceof DownlinkRequestError) {
        error = new Error(err.message, { cause: { target: err.target, field: err.field } });
        (error as Error & { code: string }).code = `invalid-${err.field}`;
      } else {
        error = new Error(`${target}: ${(err as Error)?.message ?? String(err)}`);
        (error as Error & { code: string }).code = 'internal';
      }
      error.name = 'lorawan-downlink';
      (msg as NodeMessageInFlow & { downlinkError: unknown }).downlinkError = error.cause;
      done(error);
    }

    function succeeded(msg: NodeMessageInFlow, d: NormalizedDownlink, id: string | number, retried: number, send: Send, done: Done, command?: NodeMessage): void {
      sent++;
      statusChanged();
      const out = msg as NodeMessageInFlow & { request?: unknown };
      out.request = msg.payload;
      out.topic = d.devEui ?? d.multicastGroupId;
      out.payload = downlinkResult(d, server?.mode ?? 'grpc', id, retried);
      send([out, command ?? null]);
      done();
    }

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      let d: NormalizedDownlink;
      try {
        d = normalizeDownlink(msg as unknown as Record<string, unknown>, { encoding, defaultConfirmed: config.confirmed === true });
      } catch (err) {
        failed(err, msg, done, (err as DownlinkRequestError).target ?? 'downlink');
        return;
      }
      const target = targetOf(d);
      if (server.mode === 'mqtt') {
        try {
          const { command, message } = mqttCommand(d, server.applicationId);
          succeeded(msg, d, command.id, 0, send, done, message as unknown as NodeMessage);
        } catch (err) {
          failed(err, msg, done, target);
        }
        return;
      }
      if (!client) {
        failed(new Error(problem ?? t('lorawan-downlink.errors.noClient')), msg, done, target);
        return;
      }
      const onRetry = () => { retries++; statusChanged(); };
      // Retries are counted as they happen (the status shows them while a call is still retrying).
      const call = d.multicastGroupId !== undefined ? client.enqueueMulticast(d, { onRetry }) : client.enqueueDevice(d, { onRetry });
      (call as Promise<{ value: string | number; retries: number }>).then(
        (result) => {
          if (closed) return done();
          succeeded(msg, d, result.value, result.retries, send, done);
        },
        (err: unknown) => {
          if (closed) return done();
          failed(err, msg, done, target);
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      server.release(user);
      client = undefined;
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('lorawan-downlink', LorawanDownlinkNode);
};
