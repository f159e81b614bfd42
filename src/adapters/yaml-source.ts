import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';

/** A YAML file parsed with positions, so every schema error can name file, line and column. */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export class SourceError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SourceError';
  }
}

export function parseYaml(file: string, text: string): { source: YamlSource; problems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return `${file}:${pos.line}:${pos.col} ${e.message.split('\n')[0] ?? e.message}`;
  });
  return { source: { file, doc, lines }, problems };
}

/** `file:line:col` of the node at `path` (or of its nearest existing parent). */
export function positionOf(source: YamlSource, path: ReadonlyArray<PropertyKey>): string {
  for (let n = path.length; n >= 0; n--) {
    const node = source.doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = source.lines.linePos(node.range[0]);
      return `${source.file}:${pos.line}:${pos.col}`;
    }
  }
  return `${source.file}:1:1`;
}

export function zodProblems(source: YamlSource, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = positionOf(source, issue.path);
    const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${where} ${field}${issue.message}`;
  });
}
