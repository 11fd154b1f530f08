import { InfraInputError } from './errors';

/** A YAML mapping as nested records of scalars; enough for azure.yaml (no lists, anchors or multi-line scalars). */
export interface YamlMapping {
  [key: string]: string | YamlMapping;
}

/** Parses block mappings with `key: value` / `key:` lines; comments and blank lines are skipped. */
export function parseSimpleYamlMapping(text: string): YamlMapping {
  const root: YamlMapping = {};
  const stack: Array<{ indent: number; mapping: YamlMapping }> = [{ indent: -1, mapping: root }];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\s+#.*$/, '').replace(/\s+$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const match = /^(\s*)([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line);
    if (match === null) throw new InfraInputError(`line ${index + 1}: not a 'key: value' line: ${rawLine.trim()}`);
    const [, spaces = '', key = '', value] = match;
    const indent = spaces.length;
    while ((stack[stack.length - 1]?.indent ?? -1) >= indent) stack.pop();
    const parent = stack[stack.length - 1]?.mapping ?? root;
    if (value === undefined || value === '') {
      const child: YamlMapping = {};
      parent[key] = child;
      stack.push({ indent, mapping: child });
    } else {
      parent[key] = value.replace(/^(['"])(.*)\1$/, '$2');
    }
  });
  return root;
}
