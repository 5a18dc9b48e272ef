import type { DeviceCodec } from '../types';
import { pulse } from './pulse';
import { ticCbeLinkyMono, ticCbeLinkyTri } from './tic';

/** The adeunis models this package decodes (one engine: ./engine.ts). */
export const codecs: DeviceCodec[] = [pulse, ticCbeLinkyMono, ticCbeLinkyTri];
