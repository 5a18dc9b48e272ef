import type { DeviceCodec } from '../types';
import { ul20xx } from './ul20xx';

/** The nas models this package decodes. */
export const codecs: DeviceCodec[] = [ul20xx];
