"""gansci plugin: unpaired translation (CycleGAN) of signals and fields."""
