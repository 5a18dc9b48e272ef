/**
 * The registry of frame encoders, one per model id of the fleet file. The decoding issue replaces a
 * placeholder or abridged encoder by a genuine one model by model: only its family file changes.
 */
import { adeunisEncoders } from './adeunis';
import { kamstrupEncoders } from './kamstrup';
import { milesightEncoders } from './milesight';
import { nasUl20xx } from './nas';
import { netvoxEncoders } from './netvox';
import { FrameEncoder } from './types';
import { wattecoEncoders } from './watteco';

export * from './types';

export const ENCODERS: ReadonlyMap<string, FrameEncoder> = new Map(
  [...wattecoEncoders, ...netvoxEncoders, ...milesightEncoders, ...adeunisEncoders, ...kamstrupEncoders, nasUl20xx]
    .map((encoder) => [encoder.model, encoder]),
);

/** Model ids the simulator can play. */
export const SIMULATED_MODELS: readonly string[] = [...ENCODERS.keys()];

export function encoderFor(model: string): FrameEncoder | undefined {
  return ENCODERS.get(model);
}
