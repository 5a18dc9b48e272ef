import type { DeviceCodec } from '../types';

/** The watteco models this package decodes. */
export const codecs: DeviceCodec[] = [];
