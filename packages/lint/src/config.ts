// The config file: .hadolint.yaml's keys (ignored, override, trustedRegistries, failure-threshold,
// label-schema, strict-labels, disable-ignore-pragma, no-fail, no-color, format), read into a
// LintConfig. A bad file is an error value naming the file, the place and the key; never silence.
import { parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { LabelType, LintConfig, Severity } from './types.js';
import { ruleMeta } from './registry.js';

export type ConfigResult =
  | { config: LintConfig; /** `format:` from the file, for the CLI. */ format?: string; /** `no-color:` from the file. */ noColor?: boolean }
  | { error: string };

const LABEL_TYPES: readonly LabelType[] = ['text', 'url', 'email', 'rfc3339', 'semver', 'hash', 'spdx'];
const SEVERITY_NAMES: Record<string, Severity> = { error: 'error', warning: 'warning', info: 'info', style: 'hint', hint: 'hint' };
const KEYS = [
  'ignored', 'override', 'trustedRegistries', 'trusted-registries', 'failure-threshold', 'label-schema', 'strict-labels',
  'disable-ignore-pragma', 'no-fail', 'no-color', 'format', 'verbose', 'enabled',
];

class ConfigError extends Error {}

export function parseLintConfig(yamlText: string, path: string): ConfigResult {
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true });
  const where = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    if (offset === undefined) return path;
    const before = yamlText.slice(0, offset);
    const line = before.split('\n').length;
    return `${path}:${line}:${offset - before.lastIndexOf('\n')}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    return { error: `${path}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML: ${e.message.split('\n')[0]}` };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { config: {} };
  if (!isMap(root)) return { error: `${where(root)}: the config must be a mapping of keys (ignored, override, failure-threshold, …)` };

  const config: LintConfig = {};
  const out: { config: LintConfig; format?: string; noColor?: boolean } = { config };
  try {
    for (const pair of root.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const value = pair.value as Node | null;
      const at = where(value ?? keyNode);
      switch (key) {
        case 'ignored':
          config.ignored = ruleIds(value, at);
          break;
        case 'enabled':
          config.enabled = ruleIds(value, at);
          break;
        case 'override': {
          if (value === null) break;
          if (!isMap(value)) throw new ConfigError(`${at}: "override" must map error/warning/info/style to lists of rule ids`);
          const severities: Record<string, Severity | 'off'> = {};
          for (const p of value.items) {
            const level = isScalar(p.key) ? String(p.key.value) : '';
            const sev = level === 'ignore' ? 'off' : SEVERITY_NAMES[level];
            if (!sev) throw new ConfigError(`${where(p.key as Node)}: unknown severity "${level}" under "override" (use error, warning, info or style)`);
            for (const id of ruleIds(p.value as Node | null, where(p.value as Node))) severities[id] = sev;
          }
          config.severities = severities;
          break;
        }
        case 'trustedRegistries':
        case 'trusted-registries':
          config.trustedRegistries = strings(value, at, key);
          break;
        case 'failure-threshold': {
          const v = scalar(value, at, key);
          if (v === 'none' || v === 'ignore') config.failureThreshold = 'none';
          else if (SEVERITY_NAMES[v]) config.failureThreshold = SEVERITY_NAMES[v];
          else throw new ConfigError(`${at}: "failure-threshold" must be error, warning, info, style or none (got "${v}")`);
          break;
        }
        case 'label-schema': {
          if (value === null) break;
          if (!isMap(value)) throw new ConfigError(`${at}: "label-schema" must map label names to types (${LABEL_TYPES.join(', ')})`);
          const schema: Record<string, LabelType> = {};
          for (const p of value.items) {
            const name = isScalar(p.key) ? String(p.key.value) : '';
            const type = scalar(p.value as Node | null, where(p.value as Node), `label-schema.${name}`);
            if (!(LABEL_TYPES as readonly string[]).includes(type)) throw new ConfigError(`${where(p.value as Node)}: label "${name}" has unknown type "${type}" (use ${LABEL_TYPES.join(', ')})`);
            schema[name] = type as LabelType;
          }
          config.labelSchema = schema;
          break;
        }
        case 'strict-labels':
          config.strictLabels = bool(value, at, key);
          break;
        case 'disable-ignore-pragma':
          config.disableIgnorePragma = bool(value, at, key);
          break;
        case 'no-fail':
          if (bool(value, at, key)) config.failureThreshold = 'none';
          break;
        case 'no-color':
          out.noColor = bool(value, at, key);
          break;
        case 'format':
          out.format = scalar(value, at, key);
          break;
        case 'verbose':
          bool(value, at, key);
          break;
        default:
          throw new ConfigError(`${where(keyNode)}: unknown key "${key}" (known: ${KEYS.join(', ')})`);
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) return { error: err.message };
    throw err;
  }
  return out;
}

function scalar(node: Node | null, at: string, key: string): string {
  if (!isScalar(node) || node.value === null || typeof node.value === 'object') throw new ConfigError(`${at}: "${key}" must be a single value`);
  return String(node.value);
}

function bool(node: Node | null, at: string, key: string): boolean {
  if (!isScalar(node) || typeof node.value !== 'boolean') throw new ConfigError(`${at}: "${key}" must be true or false`);
  return node.value;
}

function strings(node: Node | null, at: string, key: string): string[] {
  if (node === null) return [];
  if (!isSeq(node)) throw new ConfigError(`${at}: "${key}" must be a list`);
  return node.items.map((item) => scalar(item as Node, at, key));
}

/** A list of rule ids; an id no rule has is an error (a typo would silently do nothing). */
function ruleIds(node: Node | null, at: string): string[] {
  const ids = strings(node, at, 'rule list');
  // hadolint ids dfc does not implement (ShellCheck SCxxxx, retired DL codes) are accepted, so shared configs keep working.
  for (const id of ids) if (!ruleMeta(id) && !/^(DF|IR)\d{3}$|^(DL|SC)\d{4}$/.test(id)) throw new ConfigError(`${at}: unknown rule "${id}"`);
  return ids;
}
