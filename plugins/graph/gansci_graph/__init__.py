"""gansci-graph: one-shot graph GANs judged by motif statistics and the graph MMDs."""
