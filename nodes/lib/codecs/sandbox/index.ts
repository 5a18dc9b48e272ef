/**
 * Vendor codecs: an unmodified TTN / ChirpStack codec file run in a QuickJS sandbox (vendor-codec.ts),
 * plus the mapping rules that turn the vendor's `data` into canonical measurements (mapping.ts).
 * A VendorModel is both, attached to a model id: it decodes like a native DeviceCodec.
 */
import type { DecodeInput, DecodedFrame } from '../types';
import { applyMapping, CompiledMapping, compileMapping, MappingRule } from './mapping';
import { SandboxOptions, VendorCodec } from './vendor-codec';

export * from './mapping';
export * from './vendor-codec';

/** How a staff member declares a device type decoded by a vendor codec (lorawan-decode editor, CLI). */
export interface VendorModelConfig {
  /** Model id, as in the device registry (`dragino-lt22222-l`). */
  model: string;
  /** The vendor's codec file; relative paths are resolved by the caller (lorawan-decode: the data folder). */
  file: string;
  mapping: MappingRule[];
}

/** A model decoded by a vendor codec file and a mapping. Throws SandboxError from decode(). */
export class VendorModel {
  private constructor(readonly model: string, readonly codec: VendorCodec, readonly mapping: CompiledMapping) {}

  /** Compiles the mapping (MappingError) then the codec file (SandboxError). */
  static async load(model: string, file: string, rules: MappingRule[], options: SandboxOptions = {}): Promise<VendorModel> {
    const mapping = compileMapping(rules);
    const codec = await VendorCodec.fromFile(file, options);
    return new VendorModel(model, codec, mapping);
  }

  decode(input: DecodeInput): DecodedFrame {
    const result = this.codec.decode(input.bytes, input.fPort, input.recvTime);
    return applyMapping(this.mapping, result.data, result.warnings);
  }

  dispose(): void {
    this.codec.dispose();
  }
}
