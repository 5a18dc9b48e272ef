import helper from 'node-red-node-test-helper';

/** The test helper, initialised once on the Node-RED the package was installed with. */
helper.init(require.resolve('node-red'));

export { helper };

/** Loads a node module built by `npm run build` (dist/), with its locales and editor file beside it. */
export function builtNode(type: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`../../dist/nodes/${type}/${type}.js`);
}
