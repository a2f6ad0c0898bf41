// @dfc/store: blobs, OCI image layout, layers. Knows nothing of Dockerfiles.
export {};
