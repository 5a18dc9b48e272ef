/** The golden frames of test/fixtures/golden/<model>.json (vendor examples transcribed with attribution). */
import fs from 'node:fs';
import path from 'node:path';
import type { Measurement, ReadingStatus } from '../../nodes/lib/contracts';
import type { DecodeErrorCode } from '../../nodes/lib/codecs/types';

export interface GoldenFrame {
  description: string;
  fPort: number;
  bytesHex: string;
  recvTime?: string;
  vendor?: unknown;
  expected?: { measurements: Measurement[]; status?: ReadingStatus };
  expectedError?: DecodeErrorCode;
}

export interface GoldenFile {
  model: string;
  attribution: string;
  frames: GoldenFrame[];
}

export const goldenDir = path.resolve(__dirname, '..', 'fixtures', 'golden');

export function goldenFiles(): GoldenFile[] {
  if (!fs.existsSync(goldenDir)) return [];
  return fs.readdirSync(goldenDir).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const file = JSON.parse(fs.readFileSync(path.join(goldenDir, f), 'utf8')) as GoldenFile;
    if (`${file.model}.json` !== f) throw new Error(`golden file ${f} declares model ${file.model}`);
    return file;
  });
}

/** A stable receive time for frames whose vendor example gives none. */
export const DEFAULT_RECV_TIME = '2026-01-15T10:00:00.000Z';
