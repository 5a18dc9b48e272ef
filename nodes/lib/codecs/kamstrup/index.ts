import type { DeviceCodec } from '../types';

/** The kamstrup models this package decodes. */
export const codecs: DeviceCodec[] = [];
