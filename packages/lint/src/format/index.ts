// The output formats of `dfc lint`. Each takes the linted files and returns the whole text.
export { formatTty, type Paint, type TtyOptions } from './tty.js';
export { formatJson } from './json.js';
export { formatSarif, type SarifOptions } from './sarif.js';
export { formatGnu } from './gnu.js';
export { formatCheckstyle } from './checkstyle.js';
