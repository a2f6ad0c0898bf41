// @dfc/lint: rules over the AST and IR → diagnostics. Prints nothing.
export {};
