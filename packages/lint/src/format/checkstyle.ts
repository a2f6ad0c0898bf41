// Checkstyle XML, which Jenkins and many CI dashboards read.
import type { FileReport } from '../types.js';

export function formatCheckstyle(reports: readonly FileReport[]): string {
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n';
  for (const r of reports) {
    out += `  <file name="${xml(r.file)}">\n`;
    for (const d of r.diagnostics) {
      const severity = d.severity === 'hint' ? 'info' : d.severity;
      out += `    <error line="${d.range.start.line}" column="${d.range.start.column}" severity="${severity}" message="${xml(d.message)}" source="${xml(d.code)}"/>\n`;
    }
    out += '  </file>\n';
  }
  return out + '</checkstyle>\n';
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
