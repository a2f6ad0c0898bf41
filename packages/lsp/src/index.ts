// @dfc/lsp: the language server over stdio.
export {};
