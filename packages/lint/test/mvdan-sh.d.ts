// The little of mvdan-sh's API (a GopherJS build of mvdan.cc/sh/v3/syntax) the reference in shell-reference.ts uses.
declare module 'mvdan-sh' {
  export interface ShNode {
    [field: string]: unknown;
  }
  export interface ShParser {
    Parse(src: string, name: string): ShNode;
  }
  export const syntax: {
    NewParser(...options: unknown[]): ShParser;
    NodeType(node: ShNode): string;
    Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
    LangBash: unknown;
    Variant(lang: unknown): unknown;
  };
  const sh: { syntax: typeof syntax };
  export default sh;
}
