import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PooledResource } from '../../core/fhir/resource-index.js';
import { donorGroups, lightRecord, type LightRecord } from '../../core/input/donor-groups.js';
import { asResource } from '../../core/input/read-bundle.js';
import type { InputProblem } from '../../core/report.js';

interface Location {
  file: number;
  offset: number;
  length: number;
  line: number;
}

export interface NdjsonDataset {
  files: string[];
  problems: InputProblem[];
  /** Donor `Patient/id` → the pooled resources of that donor's workup, read on demand. */
  donors: string[];
  load(donor: string): Promise<PooledResource[]>;
  close(): Promise<void>;
}

export async function ndjsonFilesIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((f) => f.endsWith('.ndjson')).sort().map((f) => join(folder, f));
}

/** Split a stream into lines with their byte offsets, without holding more than one chunk. */
async function* linesWithOffsets(file: string): AsyncGenerator<{ text: string; offset: number; length: number; line: number }> {
  let carry = Buffer.alloc(0);
  let offset = 0;
  let line = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    let buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buffer.indexOf(10, start); nl !== -1; nl = buffer.indexOf(10, start)) {
      line += 1;
      yield { text: buffer.toString('utf8', start, nl), offset: offset + start, length: nl - start, line };
      start = nl + 1;
    }
    offset += start;
    buffer = buffer.subarray(start);
    carry = Buffer.from(buffer);
  }
  if (carry.length > 0) {
    line += 1;
    yield { text: carry.toString('utf8'), offset, length: carry.length, line };
  }
}

/**
 * Bulk Data NDJSON, one resource per line, one file per type. Pass one keeps a small record per
 * resource (identity, references, donor marks) and its byte range; pass two reads each donor's
 * resources back by range when that donor is screened.
 */
export async function openNdjsonDataset(files: string[]): Promise<NdjsonDataset> {
  const problems: InputProblem[] = [];
  const records: LightRecord[] = [];
  const locations: Location[] = [];
  for (const [fileIndex, file] of files.entries()) {
    for await (const { text, offset, length, line } of linesWithOffsets(file)) {
      if (text.trim().length === 0) continue;
      const where = `${basename(file)}:${line}`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        problems.push({ where, message: 'not valid JSON; line skipped' });
        continue;
      }
      const resource = asResource(value, where, problems);
      if (!resource) continue;
      const record = lightRecord(resource);
      if (!record) {
        problems.push({ where, message: `${resource.resourceType} without an id cannot be linked to a donor; line skipped` });
        continue;
      }
      records.push(record);
      locations.push({ file: fileIndex, offset, length, line });
    }
  }
  const groups = donorGroups(records);
  const handles = await Promise.all(files.map((f) => open(f, 'r')));
  return {
    files,
    problems,
    donors: [...groups.keys()],
    async load(donor) {
      const out: PooledResource[] = [];
      for (const i of groups.get(donor) ?? []) {
        const loc = locations[i]!;
        const buffer = Buffer.alloc(loc.length);
        await handles[loc.file]!.read(buffer, 0, loc.length, loc.offset);
        const where = `${basename(files[loc.file]!)}:${loc.line}`;
        const resource = asResource(JSON.parse(buffer.toString('utf8')), where, []);
        if (resource) out.push({ resource, where });
      }
      return out;
    },
    async close() {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
