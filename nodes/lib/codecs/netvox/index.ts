import type { DeviceCodec } from '../types';
import { r718h } from './r718h';
import { r718n3 } from './r718n3';
import { r831c } from './r831c';
import { ra0715 } from './ra0715';

/** The netvox models this package decodes (one engine: ./engine.ts). */
export const codecs: DeviceCodec[] = [r718h, r718n3, ra0715, r831c];
