import type { DeviceCodec } from '../types';

/** The milesight models this package decodes. */
export const codecs: DeviceCodec[] = [];
