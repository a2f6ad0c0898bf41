// dfc's version, as `dfc --version` prints it. A constant rather than a read of package.json, so
// that the bundle (scripts/bundle) has it too; test/version.test.ts keeps the two equal.
export const VERSION = '0.1.0';
