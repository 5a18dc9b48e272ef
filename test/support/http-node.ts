import type { RequestHandler } from 'express';
import { helper } from './nodered';

type HelperInternals = {
  _app?: { use(handler: RequestHandler): void };
  _registryUtil?: { createNodeApi(node: Record<string, unknown>): { httpNode: RequestHandler } };
};

/**
 * node-red-node-test-helper gives nodes an `RED.httpNode` express app (new at each `load`) that its
 * own HTTP server (`startServer`) never serves. Call this once after `helper.startServer()`: the
 * server then forwards every request to the httpNode app of the flow currently loaded, so
 * `fetch(helper.url() + '/path')` reaches the routes nodes add with `RED.httpNode.get(…)`.
 */
export function serveHttpNode(): void {
  const internals = helper as unknown as HelperInternals;
  if (!internals._app || !internals._registryUtil) throw new Error('serveHttpNode: call it after helper.startServer() (test helper internals not found)');
  const registry = internals._registryUtil;
  internals._app.use((req, res, next) => registry.createNodeApi({ id: 'test' }).httpNode(req, res, next));
}
