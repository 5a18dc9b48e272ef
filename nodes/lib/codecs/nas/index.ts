import type { DeviceCodec } from '../types';

/** The nas models this package decodes. */
export const codecs: DeviceCodec[] = [];
