// @dfc/runner: RUN steps and containers in a real OCI runtime. Knows nothing of Dockerfiles.
export {};
