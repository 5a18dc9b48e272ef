/**
 * Texts of the nodes: Node-RED's translator with the node's en-US catalog as fallback. The runtime's
 * RED._ returns the key itself when no catalog is loaded (node-red-node-test-helper does not load
 * them), so a message would read "x.errors.y": the fallback keeps it a sentence. Pure: RED._ is passed in.
 */

export type TextParams = Record<string, string | number>;
export type Translate = (key: string, params?: TextParams) => string;

/** `__name__` placeholders, as i18next writes them in Node-RED catalogs. */
export function interpolate(text: string, params: TextParams | undefined): string {
  return params ? text.replace(/__(\w+)__/g, (all, name: string) => (name in params ? String(params[name]) : all)) : text;
}

function lookup(catalog: unknown, key: string): string | undefined {
  let value: unknown = catalog;
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return typeof value === 'string' ? value : undefined;
}

/** A translator: `translate` (RED._) first, the en-US catalog when it returns the key unchanged. */
export function translator(translate: Translate, englishCatalog: unknown): Translate {
  return (key, params) => {
    const text = translate(key, params);
    if (text !== key) return text;
    const fallback = lookup(englishCatalog, key);
    return fallback === undefined ? key : interpolate(fallback, params);
  };
}

/** 999, 1.2k, 12k, 3.4M: status texts must stay short. A rate comes as a fraction: whole numbers only. */
export function compactCount(n: number): string {
  if (n < 999.5) return String(Math.round(n));
  if (n < 10000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1000000) return `${Math.floor(n / 1000)}k`;
  return `${(n / 1000000).toFixed(1)}M`;
}
