// @dfc/syntax: Dockerfile text → AST with exact source ranges, plus diagnostics.
export {};
