import type { DeviceCodec } from '../types';
import { em300Di } from './em300-di';
import { ws558 } from './ws558';

/** The milesight models this package decodes (one engine: ./engine.ts). */
export const codecs: DeviceCodec[] = [em300Di, ws558];
