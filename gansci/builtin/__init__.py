"""The plugin that ships with the core: 2-D mode-collapse benchmarks, vector data, MLPs."""
