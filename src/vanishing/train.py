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

from .activations import Activation, derivative
from .data import Dataset
from .gradients import tanh_intervals
from .models import EnsembleMLP, ensemble_loss, per_model_loss, seed_generator
from .runtime import release_freed_memory

log = logging.getLogger("vanishing.train")

# Separates the minibatch-order stream from the weight stream of the same seed.
DATA_SALT = 7919


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
    parts = [
        EnsembleMLP(
            spec.activation,
            init,
            spec.depth,
            spec.width,
            n_in,
            n_out,
            spec.seeds,
            spec.dtype,
            spec.device,
        )
        for init in spec.inits
    ]
    members = [(init, seed) for init in spec.inits for seed in spec.seeds]
    model = parts[0]
    if len(parts) > 1:
        model.seeds = [seed for _, seed in members]
        with torch.no_grad():
            for plist in ("weights", "biases", "act_params"):
                target = getattr(model, plist)
                if target is None:
                    continue
                for i, p in enumerate(target):
                    p.data = torch.cat([getattr(m, plist)[i].data for m in parts])
    return model, members


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


def _std(t: Tensor) -> Tensor:
    """Per-network standard deviation; E[z²] − E[z]² is several times faster than
    Tensor.std here and exact enough for a monitoring statistic."""
    flat = t.flatten(1)
    mean = flat.mean(dim=1)
    return ((flat * flat).mean(dim=1) - mean * mean).clamp_min(0).sqrt().double()


def _frac_below(z: Tensor, bound: float) -> Tensor:
    """Per-network share of |z| < bound, (S,) float64."""
    return (z.abs() < bound).flatten(1).float().mean(dim=1).double()


class _Monitor:
    """Evaluates the ensemble on the monitoring/test sets and tracks dead units."""

    def __init__(self, model: EnsembleMLP, spec: TrainSpec, data: Dataset) -> None:
        self.model, self.spec = model, spec
        m = spec.monitor_size or len(data.x_train)
        dev = spec.device
        self.x, self.y = data.x_train[:m].to(dev, spec.dtype), data.y_train[:m].to(dev)
        self.x_test, self.y_test = data.x_test.to(dev, spec.dtype), data.y_test.to(dev)
        self.t1, self.te = tanh_intervals(spec.activation.tanh_n)
        s, d, w = model.n_models, spec.depth, spec.width
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
        model = self.model
        model.zero_grad(set_to_none=True)
        fwd = model(self.x, keep=True)
        fwd.logits.retain_grad()
        losses = per_model_loss(fwd.logits, self.y)
        ensemble_loss(fwd.logits, self.y).backward()
        with torch.no_grad():
            test_logits = model(self.x_test).logits
            test_loss = per_model_loss(test_logits, self.y_test)
            test_acc = (test_logits.argmax(-1) == self.y_test).double().mean(dim=1)
            train_acc = (fwd.logits.argmax(-1) == self.y).double().mean(dim=1)
        step_row = {
            "step": step,
            "loss": losses.detach().double().cpu().numpy(),
            "train_acc": train_acc.cpu().numpy(),
            "test_loss": test_loss.double().cpu().numpy(),
            "test_acc": test_acc.cpu().numpy(),
        }
        # Alive = a finite positive pre-activation on some example: a NaN or ∞ one (a
        # diverged net) does not count as alive.
        dead_now = torch.stack(
            [(~((z > 0) & torch.isfinite(z))).all(dim=1) for z in (p.detach() for p in fwd.pre)]
        )  # (d, S, w)
        self._track_dead(dead_now, step)
        layer_rows = []
        zs = [*fwd.pre, fwd.logits]
        for layer, (w, z) in enumerate(zip(model.weights, zs, strict=True), start=1):
            row = self._layer_row(step, layer, w, z, dead_now, update_ratio)
            row.update(self._derivative_stats(layer, z, edge))
            layer_rows.append(row)
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

    def _layer_row(self, step, layer, w, z, dead_now, update_ratio) -> dict:
        spec = self.spec
        g = w.grad.detach().double()
        wd = w.detach().double()
        w_norm = wd.flatten(1).norm(dim=1)
        row = {
            "step": step,
            "layer": layer,
            "grad_norm": g.flatten(1).norm(dim=1).cpu().numpy(),
            "delta_norm": _norm(z.grad.detach()).cpu().numpy(),
            "weight_norm": w_norm.cpu().numpy(),
            # Relative change from initialisation (C5, D2).
            "rel_change": (wd - self.w0[layer - 1].double()).flatten(1).norm(dim=1).cpu().numpy()
            / self.w0[layer - 1].double().flatten(1).norm(dim=1).clamp_min(1e-300).cpu().numpy(),
            # What a full-batch GD step would do; the minibatch step actually taken is
            # ``update_ratio`` (NaN at step 0, before any update).
            "gd_update_ratio": (spec.lr * g.flatten(1).norm(dim=1) / w_norm).cpu().numpy(),
            "update_ratio": update_ratio[layer - 1].cpu().numpy() if update_ratio else math.nan,
            "pre_std": _std(z.detach()).cpu().numpy(),
            "nonfinite": (~torch.isfinite(g)).flatten(1).any(dim=1).cpu().numpy(),
            "numel": w[0].numel(),
        }
        hidden = layer <= spec.depth
        for key in (
            "dead_frac",
            "ever_dead_frac",
            "revived_frac",
            "zero_grad_units",
            "frac_inside_t1",
            "frac_inside_explode",
            "mean_log_deriv",
        ):
            row[key] = math.nan
        if hidden:
            i = layer - 1
            zd = z.detach()
            row["dead_frac"] = dead_now[i].double().mean(dim=1).cpu().numpy()
            row["ever_dead_frac"] = self.ever_dead[i].double().mean(dim=1).cpu().numpy()
            row["revived_frac"] = self.revived[i].double().mean(dim=1).cpu().numpy()
            # Units whose whole incoming row got exactly zero gradient: they cannot move.
            # (a NaN/∞ gradient row cannot move a unit usefully either: counted as stuck)
            stuck = ((g == 0) | ~torch.isfinite(g)).all(dim=2)
            row["zero_grad_units"] = stuck.double().mean(dim=1).cpu().numpy()
            if not math.isnan(self.t1):
                row["frac_inside_t1"] = _frac_below(zd, self.t1).cpu().numpy()
                row["frac_inside_explode"] = _frac_below(zd, self.te).cpu().numpy()
            ld = log_derivative(spec.activation, zd)
            if ld is not None:
                row["mean_log_deriv"] = ld.flatten(1).mean(dim=1).double().cpu().numpy()
        return row

    def _derivative_stats(self, layer: int, z: Tensor, edge: bool) -> dict:
        """At the first and last logged step only (autograd over every pre-activation
        is costly): the share of the activation's back-propagated derivatives that are
        exactly 0 or 1, and the smallest one (B1: ReLU's vs sigmoid's)."""
        out = {"deriv_exact01_frac": math.nan, "deriv_min": math.nan}
        if edge and layer <= self.spec.depth:
            param = None
            if self.model.act_params is not None:
                param = self.model.act_params[layer - 1].detach()
            d = derivative(self.spec.activation, z.detach(), param).flatten(1)
            out["deriv_exact01_frac"] = ((d == 0) | (d == 1)).float().mean(1).double().cpu().numpy()
            out["deriv_min"] = d.amin(dim=1).double().cpu().numpy()
        return out

    def unit_summary(self) -> dict:
        d = self.spec.depth
        return {
            "layer": [i + 1 for i in range(d)],
            "dead_init": self.dead_init.sum(dim=2).T,
            "ever_dead": self.ever_dead.sum(dim=2).T,
            "revived": self.revived.sum(dim=2).T,
            "dead_pairs": self.dead_pairs.T,
            "dead_pairs_frozen": self.dead_pairs_frozen.T,
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
    ).to(spec.device)
    x_all, y_all = data.x_train.to(spec.device, spec.dtype), data.y_train.to(spec.device)
    monitor = _Monitor(model, spec, data)
    params = [p for p in model.parameters()]
    step_recs, layer_recs = [], []
    update_ratio: list[Tensor] | None = None
    log_steps = set(range(0, spec.steps + 1, spec.log_every)) | {spec.steps}
    for t in range(spec.steps + 1):
        if t in log_steps:
            srow, lrows = monitor(t, update_ratio, edge=t in (0, spec.steps))
            step_recs.append(srow)
            layer_recs.extend(lrows)
            release_freed_memory()  # else the heap fragments by ~0.5 GB per log
        if t == spec.steps:
            break
        b = idx[:, t]  # (S, B)
        model.zero_grad(set_to_none=True)
        logits = model(x_all[b]).logits
        mb_loss = ensemble_loss(logits, y_all[b])
        mb_loss.backward()
        measure = (t + 1) in log_steps
        with torch.no_grad():
            if measure:
                # ‖ΔW‖/‖W‖ of exactly the step about to be taken, per network and layer.
                update_ratio = [
                    (spec.lr * w.grad.flatten(1).double().norm(dim=1))
                    / w.detach().flatten(1).double().norm(dim=1)
                    for w in model.weights
                ]
            for p in params:
                if p.grad is not None:
                    p.sub_(spec.lr * p.grad)
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
