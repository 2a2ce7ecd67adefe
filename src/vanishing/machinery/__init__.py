"""The pipeline machinery: the manifest, the config (types, schema, checks, the
studies' parameters), resources, job running, table reading, the reader's labels and
the text lint. It imports only the core."""
