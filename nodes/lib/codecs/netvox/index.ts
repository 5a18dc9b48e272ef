import type { DeviceCodec } from '../types';

/** The netvox models this package decodes. */
export const codecs: DeviceCodec[] = [];
