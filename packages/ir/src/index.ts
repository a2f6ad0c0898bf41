// @dfc/ir: AST → IR → build graph.
export {};
