"""Batched minibatch SGD on the digits data, with per-layer monitoring.

One call trains every (init, seed) network of one activation and depth as a
single ``EnsembleMLP``: the per-init ensembles are built separately (so each
network's weights are exactly what ``EnsembleMLP(..., init, seeds=[seed])``
would give) and then stacked along the ensemble axis. Each network draws its
own minibatch order from ``seed_generator(seed, DATA_SALT)``, so its whole
trajectory is independent of which other networks share the ensemble.

Every ``log_every`` steps the current weights are evaluated on a fixed
monitoring set (by default the whole training split, so that "dead" means
"silent on every training example" and a dead ReLU unit then receives no
gradient from any minibatch) and on the test split.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import Tensor

from . import backward as bw
from .activations import Activation
from .data import Dataset
from .gradients import silent_units, stuck_units, tanh_intervals
from .models import EnsembleMLP, seed_generator
from .runtime import release_freed_memory

log = logging.getLogger("vanishing.core.train")

# Separates the minibatch-order stream from the weight stream of the same seed.
DATA_SALT = 7919
# Resident memory past which freed heap memory is handed back after a logged step
# (runtime.release_freed_memory): keeps a job well inside the 2 GB a job may use.
TRIM_ABOVE_MB = 1000.0


@dataclass(frozen=True)
class TrainSpec:
    activation: Activation
    inits: list[str]
    depth: int
    width: int
    seeds: list[int]
    steps: int
    lr: float
    batch_size: int
    log_every: int
    monitor_size: int  # 0 = the whole training split
    dtype: torch.dtype = torch.float32
    # Weights are drawn on the CPU (same networks on every device), then moved here.
    device: str | torch.device = "cpu"


@dataclass
class TrainLog:
    """Tidy tables: per (network, step); per (network, step, layer); per (network, layer)."""

    steps: pd.DataFrame
    layers: pd.DataFrame
    units: pd.DataFrame
    meta: dict[str, float] = field(default_factory=dict)


def build_ensemble(spec: TrainSpec, n_in: int, n_out: int) -> tuple[EnsembleMLP, list[tuple]]:
    """One ensemble holding every (init, seed) network; returns it and its member labels."""
    model = EnsembleMLP(
        spec.activation,
        spec.inits,
        spec.depth,
        spec.width,
        n_in,
        n_out,
        spec.seeds,
        spec.dtype,
        spec.device,
    )
    return model, [(init, seed) for init in spec.inits for seed in spec.seeds]


def batch_indices(seeds: list[int], n: int, steps: int, batch_size: int) -> Tensor:
    """(S, steps, B) example indices: per-network shuffled epochs from its own generator."""
    per_epoch = n // batch_size  # the ragged tail of each epoch is dropped
    epochs = math.ceil(steps / per_epoch)
    out = []
    for seed in seeds:
        g = seed_generator(seed, DATA_SALT)
        perms = [torch.randperm(n, generator=g)[: per_epoch * batch_size] for _ in range(epochs)]
        out.append(torch.cat(perms)[: steps * batch_size].view(steps, batch_size))
    return torch.stack(out)


def log_derivative(act: Activation, z: Tensor) -> Tensor | None:
    """ln f'(z) for the tanh family and sigmoid, computed without underflow; None otherwise."""
    if act.tanh_n is not None:
        u = (act.tanh_n * z).abs()
        # ln(n sech²(u)) = ln n + 2(ln 2 − u − ln(1 + e^{−2u}))
        return math.log(act.tanh_n) + 2 * (math.log(2.0) - u - torch.log1p(torch.exp(-2 * u)))
    if act.name == "sigmoid":
        return torch.nn.functional.logsigmoid(z) + torch.nn.functional.logsigmoid(-z)
    return None


def _norm(t: Tensor) -> Tensor:
    """Per-network 2-norm, (S,) float64. Where the float32 sum of squares may have
    underflowed (a vanishing δ ~1e-25), it is redone scaled by the max."""
    flat = t.flatten(1)
    n = torch.linalg.vector_norm(flat, dim=1).double()
    small = n < 1e-15
    if small.any():
        sub = flat[small]
        m = sub.abs().amax(dim=1, keepdim=True)
        m = torch.where(m > 0, m, torch.ones_like(m))
        n[small] = (sub / m).norm(dim=1).double() * m[:, 0].double()
    return n


def mean_log_derivative(act: Activation, abs_z: Tensor) -> Tensor | None:
    """Per-network mean of ``log_derivative`` over a (S, ...) tensor, from |z|.

    Both are even functions of z, and the mean splits into a mean of |z| and one of
    softplus(−c|z|) = ln(1 + e^{−c|z|}), so two elementwise passes do what the
    pointwise formula does in eight:
      tanh(n·x): ln n + 2 ln 2 − 2n·mean|z| − 2·mean softplus(−2n|z|);
      sigmoid:   −mean|z| − 2·mean softplus(−|z|).
    ``abs_z`` is overwritten (scaled in place)."""
    if act.tanh_n is not None:
        c, const = 2.0 * act.tanh_n, math.log(act.tanh_n) + 2 * math.log(2.0)
    elif act.name == "sigmoid":
        c, const = 1.0, 0.0
    else:
        return None
    v = abs_z.flatten(1).mul_(-c)
    sp = torch.nn.functional.softplus(v).mean(dim=1).double()
    return const + v.mean(dim=1).double() - 2 * sp


def _std(t: Tensor) -> Tensor:
    """Per-network (population) standard deviation, (S,) float64, from the sum and the
    sum of squares: two fast passes and no temporary (a reduction with a float64
    accumulator, or torch.var_mean, is 20–30× slower here). E[z²] − E[z]² loses about
    2·log10(|mean|/sd) of float32's 7 digits: enough for a monitoring statistic."""
    flat = t.flatten(1)
    n = flat.shape[1]
    m1 = flat.sum(dim=1).double() / n
    m2 = torch.linalg.vector_norm(flat, dim=1).double().square() / n
    return (m2 - m1 * m1).clamp_min(0).sqrt()


def _frac_below(abs_z: Tensor, bound: float) -> Tensor:
    """Per-network share of |z| < bound, (S,) float64, from |z| (an exact count)."""
    flat = abs_z.flatten(1)
    return (flat < bound).sum(dim=1, dtype=torch.int32).double() / flat.shape[1]


def _silent(z: Tensor) -> Tensor:
    """``gradients.silent_units`` from one reduction when z is finite (the rule is then
    just max ≤ 0); the full rule only for a network with a non-finite unit. Branches
    on values, as the monitor does anyway (it is not run on value-less devices)."""
    hi = z.amax(dim=1)
    if bool(torch.isfinite(hi).all()):
        return hi <= 0
    return silent_units(z)


class _Monitor:
    """Evaluates the ensemble on the monitoring/test sets and tracks dead units."""

    def __init__(self, model: EnsembleMLP, spec: TrainSpec, data: Dataset) -> None:
        self.model, self.spec = model, spec
        m = spec.monitor_size or len(data.x_train)
        self.x, self.y = data.x_train[:m].to(spec.dtype), data.y_train[:m]
        self.x_test, self.y_test = data.x_test.to(spec.dtype), data.y_test
        self.t1, self.te = tanh_intervals(spec.activation.tanh_n)
        s, d, w = model.n_models, spec.depth, spec.width
        dev = spec.device
        self.x, self.y = self.x.to(dev), self.y.to(dev)
        self.x_test, self.y_test = self.x_test.to(dev), self.y_test.to(dev)
        self.w0 = [p.detach().clone() for p in model.weights]
        self.prev_w = [p.detach().clone() for p in model.weights[:d]]
        self.prev_dead: Tensor | None = None
        self._prev_b = [p.detach()[:, 0, :].clone() for p in model.biases[:d]]
        self.ever_dead = torch.zeros(d, s, w, dtype=torch.bool, device=dev)
        self.revived = torch.zeros(d, s, w, dtype=torch.bool, device=dev)
        self.dead_init = torch.zeros(d, s, w, dtype=torch.bool, device=dev)
        # Units dead at two consecutive logs, and how many of those had an unchanged
        # incoming weight row (B1: a silent ReLU unit's own weights get no gradient).
        self.dead_pairs = torch.zeros(d, s, dtype=torch.float64, device=dev)
        self.dead_pairs_frozen = torch.zeros(d, s, dtype=torch.float64, device=dev)

    def __call__(self, step: int, update_ratio: list[Tensor] | None, edge: bool = False):
        """One logged step: (per-network row, one row per weight layer).

        Each layer's tensors are reduced as soon as they exist (forward and backward
        hooks), while they are in cache; nothing of the pass is kept beyond what the
        backward pass itself needs."""
        model, depth = self.model, self.spec.depth
        dead: list[Tensor] = []
        pre_rows: list[dict] = []

        def on_pre(i: int, z: Tensor, h: Tensor) -> None:
            dead.append(_silent(z))
            pre_rows.append(self._pre_stats(i, z, h, edge))

        trace = bw.forward(model, self.x, on_pre=on_pre)
        pre_rows.append(self._pre_stats(depth, trace.logits, None, edge))
        delta, losses = bw.output_delta(trace.logits, self.y, with_loss=True)
        assert losses is not None
        train_acc = (trace.logits.argmax(-1) == self.y).double().mean(dim=1)
        test_logits = bw.logits(model, self.x_test)
        test_loss = bw.losses(test_logits, self.y_test)
        test_acc = (test_logits.argmax(-1) == self.y_test).double().mean(dim=1)
        step_row = {
            "step": step,
            "loss": losses.double().cpu().numpy(),
            "train_acc": train_acc.cpu().numpy(),
            "test_loss": test_loss.double().cpu().numpy(),
            "test_acc": test_acc.cpu().numpy(),
        }
        dead_now = torch.stack(dead)  # (depth, S, width)
        self._track_dead(dead_now, step)
        # Back-propagate the whole monitoring set's loss; each layer's row is filled
        # as soon as its δ and weight gradient are known.
        layer_rows: list[dict] = [{} for _ in range(depth + 1)]

        def on_delta(i: int, d: Tensor, g: Tensor) -> None:
            layer_rows[i] = self._layer_row(step, i, g, d, dead_now, update_ratio, pre_rows[i])

        bw.backward(model, trace, delta, on_delta=on_delta, keep=False)
        return step_row, layer_rows

    def _track_dead(self, dead_now: Tensor, step: int) -> None:
        d = self.spec.depth
        if self.prev_dead is None:
            self.dead_init = dead_now.clone()
        else:
            both = self.prev_dead & dead_now
            for i in range(d):
                w = self.model.weights[i].detach()
                frozen = (w == self.prev_w[i]).all(dim=2) & (
                    self.model.biases[i].detach()[:, 0, :] == self._prev_b[i]
                )
                self.dead_pairs[i] += both[i].sum(dim=1).double()
                self.dead_pairs_frozen[i] += (both[i] & frozen).sum(dim=1).double()
            # Revived: dead at some earlier logged step, alive now.
            self.revived |= self.ever_dead & ~dead_now
        self.ever_dead |= dead_now
        self.prev_dead = dead_now
        self.prev_w = [p.detach().clone() for p in self.model.weights[:d]]
        self._prev_b = [p.detach()[:, 0, :].clone() for p in self.model.biases[:d]]

    def _pre_stats(self, i: int, z: Tensor, h: Tensor | None, edge: bool) -> dict:
        """Statistics of layer i's output pre-activations z (h = f(z) for hidden ones)."""
        act = self.spec.activation
        row = {"pre_std": _std(z).cpu().numpy()}
        if h is None:  # the logits
            return row
        if act.tanh_n is not None or act.name == "sigmoid":
            abs_z = z.abs()
            if not math.isnan(self.t1):  # tanh(n·x), n > 1
                row["frac_inside_t1"] = _frac_below(abs_z, self.t1).cpu().numpy()
                row["frac_inside_explode"] = _frac_below(abs_z, self.te).cpu().numpy()
            mld = mean_log_derivative(act, abs_z)
            assert mld is not None
            row["mean_log_deriv"] = mld.cpu().numpy()
        if edge:
            # At the first and last logged step only: the share of the back-propagated
            # derivatives that are exactly 0 or 1, and the smallest one (B1: ReLU's vs
            # sigmoid's). The derivative is the backward kernel's output for a unit
            # upstream gradient, i.e. exactly what autograd gives.
            param = None if self.model.act_params is None else self.model.act_params[i].detach()
            d, _ = bw.act_backward(act, torch.ones_like(z), z, h, param)
            d = d.flatten(1)
            row["deriv_exact01_frac"] = ((d == 0) | (d == 1)).float().mean(1).double().cpu().numpy()
            row["deriv_min"] = d.amin(dim=1).double().cpu().numpy()
        return row

    def _layer_row(
        self,
        step: int,
        i: int,
        grad: Tensor,
        delta: Tensor,
        dead_now: Tensor,
        update_ratio: list[Tensor] | None,
        pre: dict,
    ) -> dict:
        """The row of weight layer i (0 = input side) from its gradient and δ."""
        spec = self.spec
        g = grad.double()
        wd = self.model.weights[i].detach().double()
        w_norm = wd.flatten(1).norm(dim=1)
        g_norm = g.flatten(1).norm(dim=1)
        w0 = self.w0[i].double()
        nan = math.nan
        hidden = i < spec.depth
        row = {
            "step": step,
            "layer": i + 1,
            "grad_norm": g_norm.cpu().numpy(),
            "delta_norm": _norm(delta).cpu().numpy(),
            "weight_norm": w_norm.cpu().numpy(),
            # Relative change from initialisation (C5, D2).
            "rel_change": (wd - w0).flatten(1).norm(dim=1).cpu().numpy()
            / w0.flatten(1).norm(dim=1).clamp_min(1e-300).cpu().numpy(),
            # What a full-batch GD step would do; the minibatch step actually taken is
            # ``update_ratio`` (NaN at step 0, before any update).
            "gd_update_ratio": (spec.lr * g_norm / w_norm).cpu().numpy(),
            "update_ratio": update_ratio[i].cpu().numpy() if update_ratio else nan,
            "pre_std": pre["pre_std"],
            "nonfinite": (~torch.isfinite(g)).flatten(1).any(dim=1).cpu().numpy(),
            "numel": g[0].numel(),
            "dead_frac": nan,
            "ever_dead_frac": nan,
            "revived_frac": nan,
            "zero_grad_units": nan,
        }
        if hidden:
            row["dead_frac"] = dead_now[i].double().mean(dim=1).cpu().numpy()
            row["ever_dead_frac"] = self.ever_dead[i].double().mean(dim=1).cpu().numpy()
            row["revived_frac"] = self.revived[i].double().mean(dim=1).cpu().numpy()
            # Units whose incoming row gets no usable gradient: they cannot move.
            row["zero_grad_units"] = stuck_units(g).double().mean(dim=1).cpu().numpy()
        for key in (
            "frac_inside_t1",
            "frac_inside_explode",
            "mean_log_deriv",
            "deriv_exact01_frac",
            "deriv_min",
        ):
            row[key] = pre.get(key, nan)
        return row

    def unit_summary(self) -> dict:
        d = self.spec.depth
        return {
            "layer": [i + 1 for i in range(d)],
            "dead_init": self.dead_init.sum(dim=2).T.cpu(),
            "ever_dead": self.ever_dead.sum(dim=2).T.cpu(),
            "revived": self.revived.sum(dim=2).T.cpu(),
            "dead_pairs": self.dead_pairs.T.cpu(),
            "dead_pairs_frozen": self.dead_pairs_frozen.T.cpu(),
        }


def _rows(records: list[dict], members: list[tuple]) -> pd.DataFrame:
    """Expand per-ensemble records (arrays over networks) into per-network rows."""
    frames = []
    for rec in records:
        df = pd.DataFrame({k: v for k, v in rec.items()}, index=range(len(members)))
        df.insert(0, "seed", [s for _, s in members])
        df.insert(0, "init", [i for i, _ in members])
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def train(spec: TrainSpec, data: Dataset) -> TrainLog:
    """Train every (init, seed) network of ``spec`` with plain SGD and log as we go."""
    model, members = build_ensemble(spec, data.n_in, data.n_out)
    s = model.n_models
    idx = batch_indices(
        [seed for _, seed in members], len(data.x_train), spec.steps, spec.batch_size
    )
    dev = spec.device
    x_all, y_all = data.x_train.to(dev, spec.dtype), data.y_train.to(dev)
    idx = idx.to(dev)
    monitor = _Monitor(model, spec, data)
    step_recs, layer_recs = [], []
    update_ratio: list[Tensor] | None = None
    log_steps = set(range(0, spec.steps + 1, spec.log_every)) | {spec.steps}
    for t in range(spec.steps + 1):
        if t in log_steps:
            srow, lrows = monitor(t, update_ratio, edge=t in (0, spec.steps))
            step_recs.append(srow)
            layer_recs.extend(lrows)
            release_freed_memory(above_mb=TRIM_ABOVE_MB)
        if t == spec.steps:
            break
        b = idx[:, t]  # (S, B)
        on_delta = None
        if (t + 1) in log_steps:
            # ‖ΔW‖/‖W‖ of exactly the step about to be taken, per network and layer.
            update_ratio = [None] * len(model.weights)  # type: ignore[list-item]

            def on_delta(i: int, _d: Tensor, g: Tensor, ratios=update_ratio) -> None:
                w = model.weights[i].detach()
                ratios[i] = (spec.lr * g.flatten(1).double().norm(dim=1)) / w.flatten(
                    1
                ).double().norm(dim=1)

        bw.sgd_step(model, x_all[b], y_all[b], spec.lr, on_delta=on_delta)
    steps = _rows(step_recs, members)
    layers = _rows(layer_recs, members)
    usum = monitor.unit_summary()
    unit_recs = []
    for i, layer in enumerate(usum["layer"]):
        rec = {k: v[:, i].cpu().numpy() for k, v in usum.items() if k != "layer"}
        rec["layer"] = layer
        unit_recs.append(rec)
    units = _rows(unit_recs, members)
    units["width"] = spec.width
    units["monitor_size"] = len(monitor.x)
    log.info(
        "%s depth %d: %d networks × %d steps done", spec.activation.name, spec.depth, s, spec.steps
    )
    return TrainLog(steps, layers, units)
