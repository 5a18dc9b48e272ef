import helper from 'node-red-node-test-helper';

/** The test helper, initialised once on the Node-RED the package was installed with. */
helper.init(require.resolve('node-red'));

export { helper };

/** Loads a node module built by `npm run build` (dist/), with its locales and editor file beside it. */
export function builtNode(type: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`../../dist/nodes/${type}/${type}.js`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

/** Every message a helper node of the loaded flow receives from now on. */
export function received(id: string): Msg[] {
  const list: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => list.push(msg));
  return list;
}

/** Resolves once `condition()` holds; fails naming `what` after the timeout. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
