import type { DeviceCodec } from '../types';

/** The adeunis models this package decodes. */
export const codecs: DeviceCodec[] = [];
