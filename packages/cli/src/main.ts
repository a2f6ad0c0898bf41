// The dfc command line.
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`dfc: not yet: ${argv.join(' ')}\n`);
  return 2;
}
