"""The adversarial engine: losses, penalties, games, the trainer and checkpoints."""
