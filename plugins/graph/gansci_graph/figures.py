"""Report figures: drawings of generated and real graphs side by side."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402


def sample_grid(samples: list[nx.Graph], real: list[nx.Graph], data, path: str, k: int = 8):
    """The first ``k`` generated graphs (top row) above ``k`` real ones (spring layout,
    seeded, so a figure is the same every time)."""
    k = min(k, len(samples), len(real))
    fig, axes = plt.subplots(2, k, figsize=(1.8 * k, 3.8), squeeze=False)
    for row, (label, graphs) in enumerate((("generated", samples), ("real", real))):
        for col, g in enumerate(graphs[:k]):
            ax = axes[row][col]
            pos = nx.spring_layout(g, seed=0)
            nx.draw_networkx(g, pos, ax=ax, node_size=12, with_labels=False, width=0.5,
                             node_color="C0" if row == 0 else "C1")  # fmt: skip
            ax.set_title(f"{label}: {g.number_of_nodes()} n, {g.number_of_edges()} e", fontsize=7)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
