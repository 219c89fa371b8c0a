"""Data kinds: packing, instance noise, penalties and jitter leave masks and graphs valid."""

import pytest
import torch
from torch import nn

from gansci.builtin.vectors import jitter
from gansci.data import Dataset
from gansci.engine.game import GameContext, StandardGame, StandardOptions
from gansci.engine.penalties import PENALTIES, grad_norm_sq
from gansci.errors import DataError
from gansci.kinds import Kind, add_noise, kinds_of
from gansci.nets.packing import Packed, PackedView, pack, unpack

N, F = 5, 3  # nodes per graph, features per node
KINDS = {"x": Kind.CONTINUOUS, "adj": Kind.ADJACENCY, "mask": Kind.MASK}


def graphs(n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """``n`` random graphs of 2..N nodes: features, binary symmetric adjacency, node mask."""
    g = torch.Generator().manual_seed(seed)
    sizes = torch.randint(2, N + 1, (n,), generator=g)
    mask = (torch.arange(N) < sizes[:, None]).float()
    upper = (torch.rand(n, N, N, generator=g) < 0.5).float().triu(1)
    adj = (upper + upper.transpose(1, 2)) * mask[:, :, None] * mask[:, None, :]
    return {"x": torch.randn(n, N, F, generator=g), "adj": adj, "mask": mask}


def soft_graphs(n: int, seed: int = 1) -> dict[str, torch.Tensor]:
    """What a generator emits: features, soft symmetric adjacency, a binary mask."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, N, N, generator=g)
    mask = (torch.rand(n, N, generator=g) < 0.7).float()
    return {
        "x": torch.randn(n, N, F, generator=g),
        "adj": torch.sigmoid(logits + logits.mT),
        "mask": mask,
    }


def graph_data(n: int = 32) -> Dataset:
    return Dataset(graphs(n), graphs(8, seed=1), domains=("graph",), kinds=KINDS)


class GraphD(nn.Module):
    """A small dense graph critic that keeps the last batch it saw."""

    def __init__(self, hidden: int = 8):
        super().__init__()
        self.embed, self.out = nn.Linear(F, hidden), nn.Linear(hidden, 1)
        self.seen = None

    def forward(self, batch):
        self.seen = batch
        h = torch.tanh(self.embed(batch["x"]))
        h = (h + batch["adj"] @ h) * batch["mask"][..., None]
        return self.out(h.sum(1)).squeeze(-1)


class Recorder(nn.Module):
    def forward(self, batch):
        self.seen = batch
        return batch["x"].sum((1, 2))


# -- the dataset declares and checks its kinds ----------------------------------------------


def test_dataset_keeps_kinds_aligned_and_defaults_to_continuous():
    declared = {"mask": "mask", "x": "continuous", "adj": "adjacency"}  # any order, strings
    data = Dataset(graphs(8), graphs(4, seed=1), kinds=declared)
    assert data.kinds == KINDS and list(data.kinds) == ["x", "adj", "mask"]
    assert Dataset(torch.randn(4, 2), torch.randn(3, 2)).kinds is Kind.CONTINUOUS
    ints = {"x": torch.randn(4, 2), "label": torch.arange(4)}
    assert kinds_of(ints) == {"x": Kind.CONTINUOUS, "label": Kind.MASK}


def test_dataset_rejects_a_non_binary_mask_naming_the_leaf():
    train = graphs(8)
    train["mask"][3, 0] = 0.5
    with pytest.raises(DataError, match=r"data leaf \['mask'\] \(mask, train split\).*0 and 1"):
        Dataset(train, graphs(4, seed=1), kinds=KINDS)
    test = graphs(4, seed=1)
    test["adj"][0, 0, 1] = 2.0
    with pytest.raises(DataError, match=r"\['adj'\] \(adjacency, test split\)"):
        Dataset(graphs(8), test, kinds=KINDS)


@pytest.mark.parametrize(
    "kinds, message",
    [
        ({"x": Kind.CONTINUOUS, "adj": Kind.ADJACENCY}, r"no kind for leaf \['mask'\]"),
        ({**KINDS, "edges": Kind.MASK}, r"a kind for \['edges'\], which is no leaf"),
        (Kind.CONTINUOUS, r"no kind for leaf \['x'\].*a kind for <batch>"),
        ({**KINDS, "mask": "binary"}, r"data leaf \['mask'\]: unknown kind 'binary'"),
    ],
)
def test_dataset_rejects_kinds_that_do_not_fit_the_batch(kinds, message):
    with pytest.raises(DataError, match=message):
        Dataset(graphs(8), graphs(4, seed=1), kinds=kinds)


def test_dataset_checks_categorical_and_adjacency_shapes():
    seqs = torch.nn.functional.one_hot(torch.randint(0, 4, (6, 7)), 4).float()
    Dataset(seqs, seqs, kinds=Kind.CATEGORICAL)
    with pytest.raises(DataError, match=r"<batch> \(categorical, train split\): is not one-hot"):
        Dataset(seqs * 0.9, seqs, kinds=Kind.CATEGORICAL)
    train = {**graphs(8), "adj": graphs(8)["adj"][:, :, :4]}
    with pytest.raises(DataError, match=r"\['adj'\] \(adjacency.*shape \(n, N, N\)"):
        Dataset(train, graphs(4, seed=1), kinds=KINDS)


# -- packing --------------------------------------------------------------------------------


def test_packing_graphs_gives_their_disjoint_union_and_unpacks_exactly():
    batch, m = graphs(12), 3
    packed = pack(batch, m, KINDS)
    assert packed["x"].shape == (4, m * N, F) and packed["mask"].shape == (4, m * N)
    assert packed["adj"].shape == (4, m * N, m * N)
    for group in range(4):
        for i in range(m):
            sample = group * m + i
            nodes = slice(i * N, (i + 1) * N)
            assert torch.equal(packed["x"][group, nodes], batch["x"][sample])
            assert torch.equal(packed["mask"][group, nodes], batch["mask"][sample])
            for j in range(m):
                block = packed["adj"][group, nodes, j * N : (j + 1) * N]
                expected = batch["adj"][sample] if i == j else torch.zeros(N, N)
                assert torch.equal(block, expected)
    back = unpack(packed, m, KINDS)
    assert all(torch.equal(back[k], batch[k]) for k in batch)


def test_packed_discriminator_and_view_pack_by_the_datas_kinds():
    data = graph_data()
    assert PackedView(data, 4).train["adj"].shape == (8, 4 * N, 4 * N)
    D = Packed(Recorder(), 4, data.kinds)
    D(data.split("train"))
    assert torch.equal(D.D.seen["adj"], pack(data.split("train"), 4, KINDS)["adj"])


def test_packing_vectors_and_sequences_is_unchanged():
    vectors, sequences = torch.randn(6, 2), torch.randn(6, 7, 4)
    assert torch.equal(pack(vectors, 3), vectors.reshape(2, 6))
    assert torch.equal(pack(vectors, 3, Kind.CONTINUOUS), vectors.reshape(2, 6))
    assert torch.equal(pack(sequences, 2, Kind.CATEGORICAL), sequences.reshape(3, 14, 4))


# -- instance noise and jitter --------------------------------------------------------------


def game(kinds, **options) -> StandardGame:
    """A standard game on graph data (its kinds from the dataset), or untyped (None)."""
    G = nn.Linear(2, 2)
    G.latent_dim = 2
    assert kinds in (KINDS, None)
    ctx = GameContext(data=graph_data() if kinds is not None else None)
    return StandardGame(G, GraphD(), StandardOptions(loss="wgan", penalty="gp", **options), ctx)


def test_instance_noise_leaves_mask_and_adjacency_alone():
    batch = graphs(16)
    noisy = game(KINDS, instance_noise=0.5)._d_in(batch)
    assert torch.equal(noisy["mask"], batch["mask"]) and torch.equal(noisy["adj"], batch["adj"])
    assert (noisy["x"] - batch["x"]).std().item() == pytest.approx(0.5, rel=0.2)
    untyped = add_noise(batch, 0.5)  # every float leaf is continuous by default
    assert not torch.equal(untyped["mask"], batch["mask"])


def test_instance_noise_on_a_tensor_is_the_previous_formula():
    x, untyped = torch.randn(64, 2), game(None, instance_noise=0.5)
    torch.manual_seed(3)
    expected = x + 0.5 * torch.randn_like(x)
    torch.manual_seed(3)
    assert torch.equal(untyped._d_in(x), expected)


def test_d_loss_on_graphs_runs_the_penalty_by_kinds():
    g = game(KINDS, instance_noise=0.3)
    loss, stats = g.d_loss(graphs(16), soft_graphs(16))
    loss.backward()
    assert torch.isfinite(loss) and stats["penalty"].item() > 0
    assert all(torch.isfinite(p.grad).all() for p in g.D.parameters())


def test_jitter_noises_only_continuous_leaves():
    data = graph_data()
    batch = data.sample(16)
    out = jitter(data)(batch)
    assert torch.equal(out["mask"], batch["mask"]) and torch.equal(out["adj"], batch["adj"])
    assert not torch.equal(out["x"], batch["x"])


def test_jitter_on_a_tensor_is_the_previous_formula():
    data = Dataset(torch.randn(50, 3), torch.randn(10, 3))
    x = data.sample(20)
    torch.manual_seed(4)
    expected = x + data.train.float().std(0, keepdim=True) * 0.05 * torch.randn_like(x)
    torch.manual_seed(4)
    assert torch.equal(jitter(data)(x), expected)


# -- penalties ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_penalties_keep_masks_and_graphs_of_one_endpoint(name):
    torch.manual_seed(0)
    D, real, fake = GraphD(), graphs(64), soft_graphs(64)
    value = PENALTIES[name](D, real, fake, KINDS)
    value.backward()
    assert torch.isfinite(value)
    grads = [p.grad for p in D.parameters() if p.grad is not None]  # biases have no slope
    assert grads and all(torch.isfinite(g).all() and g.abs().sum() > 0 for g in grads)
    seen = D.seen
    from_real = [_same_sample(seen, real, i) for i in range(64)]
    from_fake = [_same_sample(seen, fake, i) for i in range(64)]
    assert all(r or f for r, f in zip(from_real, from_fake, strict=True))
    if name in ("r1", "dragan"):
        assert all(from_real)
    if name == "r2":
        assert all(from_fake)
    if name in ("gp", "gp1"):  # the nearer endpoint: real where alpha < 0.5
        alpha = ((seen["x"] - real["x"]) / (fake["x"] - real["x"])).flatten(1).median(1).values
        assert from_real == (alpha < 0.5).tolist()
        assert 0 < sum(from_real) < 64


def _same_sample(seen, source, i) -> bool:
    return torch.equal(seen["adj"][i], source["adj"][i]) and torch.equal(
        seen["mask"][i], source["mask"][i]
    )


def test_gradients_skip_masks_and_take_adjacency():
    class Linear(nn.Module):
        def forward(self, batch):
            return 2 * batch["x"].sum((1, 2)) + 3 * batch["adj"].sum((1, 2)) + batch["mask"].sum(1)

    batch = graphs(4)
    by_kind = grad_norm_sq(Linear(), batch, KINDS)
    assert torch.equal(by_kind, torch.full((4,), 4.0 * N * F + 9.0 * N * N))
    untyped = grad_norm_sq(Linear(), batch)  # all float leaves, the mask too
    assert torch.equal(untyped, torch.full((4,), 4.0 * N * F + 9.0 * N * N + N))


def _old_grad_norm_sq(D, x):
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), [x], create_graph=True)
    return grad.flatten(1).pow(2).sum(1)


def _old_penalty(name, D, real, fake):
    """The penalties as they were before kinds, on tensors."""
    if name == "r1":
        return 0.5 * _old_grad_norm_sq(D, real).mean()
    if name == "r2":
        return 0.5 * _old_grad_norm_sq(D, fake).mean()
    if name == "dragan":
        fake = real + 0.5 * real.std() * torch.rand_like(real)
    alpha = torch.rand(real.shape[0])
    mixed = real + alpha.view(-1, 1) * (fake - real)
    norm = _old_grad_norm_sq(D, mixed).add(1e-12).sqrt()
    excess = (norm - 1).clamp_min(0) if name == "gp1" else norm - 1
    return excess.pow(2).mean()


@pytest.mark.parametrize("kinds", [None, Kind.CONTINUOUS])
@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_penalties_on_tensors_are_the_previous_ones(name, kinds):
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))
    D[2].weight.data.mul_(8)  # gradient norms about 1, so gp1 is no constant zero
    real, fake = torch.randn(32, 3), torch.randn(32, 3) * 2
    torch.manual_seed(7)
    expected = _old_penalty(name, D, real, fake)
    torch.manual_seed(7)
    value = PENALTIES[name](D, real, fake, kinds)
    assert expected.item() > 1e-3
    assert torch.equal(value, expected)


def test_a_generators_dict_may_order_its_leaves_its_own_way():
    data, fake = graph_data(), soft_graphs(16)
    reordered = {"mask": fake["mask"], "adj": fake["adj"], "x": fake["x"]}
    out = jitter(data)(reordered)
    assert torch.equal(out["mask"], fake["mask"]) and torch.equal(out["adj"], fake["adj"])
    noisy = add_noise(reordered, 0.5, data.kinds)
    assert torch.equal(noisy["mask"], fake["mask"]) and torch.equal(noisy["adj"], fake["adj"])
    assert torch.equal(pack(reordered, 2, data.kinds)["adj"], pack(fake, 2, data.kinds)["adj"])


def test_samples_without_a_feature_axis_are_refused_at_construction():
    with pytest.raises(DataError, match=r"shape \(50,\): samples need a feature axis"):
        Dataset(torch.randn(50), torch.randn(10))
