import type { DeviceCodec } from '../types';
import { flowIq2200 } from './flowiq2200';

/** The kamstrup models this package decodes. */
export const codecs: DeviceCodec[] = [flowIq2200];
