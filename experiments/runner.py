"""Run an experiment end to end: config -> simulation -> one HDF5 file -> figures -> report.md.

Bad input is found before anything runs or is written: the config (type and range of every key)
and the output folder. The HDF5 file is written atomically; the figures and the report are then
drawn from the file read back from disk, exactly as ``limsim plot`` would.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from types import ModuleType

import numpy as np

from experiments import config as cfgmod
from experiments.common import checks_tree, write_text_atomic
from experiments.registry import EXPERIMENTS
from experiments.signals import raise_if_interrupted
from simcore import io
from simcore.errors import ParameterError

REPORT = "report.md"
#: Fixed overhead of a process running an experiment (interpreter, NumPy, Numba, LLVM), bytes.
BASE_MEMORY = 400 * 2**20
#: Bytes per cell a run may hold at its peak when the experiment gives no estimate of its own:
#: 1 byte of state, per-cell work and heat (16 bytes) when recorded, and per-cell landscapes
#: (M = 2: 24 bytes) in per-cell runs.
BYTES_PER_CELL = 48


class MemoryRefused(ParameterError):
    """A run's estimated memory exceeds what the machine has; refused before it starts."""

    def __init__(self, name: str, need: float, available: float, hint: str):
        self.name, self.value, self.allowed = "memory", need, f"at most {available:.0f} bytes"
        self.need, self.available = need, available
        ValueError.__init__(
            self,
            f"memory: {name} needs an estimated {_gib(need)}, more than the {_gib(available)}"
            " available"
            f" on this machine; refused before anything ran ({hint})",
        )


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def experiment(name: str) -> ModuleType:
    if name not in EXPERIMENTS:
        raise ParameterError("NAME", name, "one of " + ", ".join(sorted(EXPERIMENTS)))
    return EXPERIMENTS[name]


def resolve_config(exp: ModuleType, *, smoke=False, config_file=None, sets=(), seed=None):
    """The experiment's config after ``--smoke``, ``--config FILE``, ``--set`` and ``--seed``,
    in that order, validated (raises ``ParameterError`` naming the key)."""
    cfg = exp.Config()
    if smoke:
        cfg = cfg.smoke()
    if config_file:
        cfg = cfgmod.apply(cfg, cfgmod.load_toml(config_file))
    overrides = cfgmod.parse_sets(list(sets))
    if seed is not None:
        overrides["seed"] = seed
    return cfgmod.validate(cfgmod.apply(cfg, overrides))


def memory_need(exp: ModuleType, cfg) -> float:
    """Upper estimate (bytes) of the peak memory of a run of ``exp`` with ``cfg``: the
    experiment's own ``memory_estimate(cfg)`` when it has one, else ``BYTES_PER_CELL`` per cell
    of ``cfg.n_cells``, plus ``BASE_MEMORY``."""
    own = getattr(exp, "memory_estimate", None)
    body = own(cfg) if callable(own) else BYTES_PER_CELL * float(getattr(cfg, "n_cells", 0))
    return BASE_MEMORY + float(body)


def available_memory() -> float:
    """Bytes of memory available to a new run on this machine."""
    from simcore.sweep import available_memory as available

    return float(available())


def check_memory(exp: ModuleType, cfg, available: float | None = None) -> float:
    """Refuse (``MemoryRefused``, a ``ParameterError``) a run whose estimated memory exceeds
    ``available`` (default: what this machine has free now), naming the config keys of the
    experiment's ``SIZE_KEYS`` (default ``n_cells``) as what to reduce. Returns the estimate."""
    need = memory_need(exp, cfg)
    limit = available_memory() if available is None else float(available)
    if need > limit:
        sizes = [k for k in getattr(exp, "SIZE_KEYS", ("n_cells",)) if hasattr(cfg, k)]
        hint = "reduce " + " or ".join(sizes) if sizes else "reduce the problem size"
        raise MemoryRefused(exp.NAME, need, limit, hint)
    return need


def default_out(name: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("results") / f"{name}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = Path("results") / f"{name}-{stamp}-{n}"
    return out


def simulate(exp: ModuleType, cfg, h5: Path, *, progress: bool = False, smoke: bool = False):
    """Simulate and write the result file ``h5`` (atomically). Returns ``(checks, summary)``."""
    started = io.now()
    result = exp.run(cfg, progress=progress)
    checks = exp.checks(result)
    summary = exp.report(result)
    tree = exp.data(result)
    tree["checks"] = checks_tree(checks)
    tree["summary"] = io.Data(summary, "", "the console summary of the run")
    attrs = io.provenance(
        experiment=exp.NAME,
        seed=cfg.seed,
        temperature=cfg.temperature,
        config_toml=cfgmod.to_toml(cfg),
        started=started,
    )
    attrs["config_units_toml"] = "".join(
        f'{k} = "{u}"\n' for k, _, u, _ in cfgmod.describe(cfg) if u
    )
    attrs["smoke"] = bool(smoke)
    Path(h5).parent.mkdir(parents=True, exist_ok=True)
    io.write(h5, tree, attrs)
    return checks, summary


def run(exp: ModuleType, cfg, out: Path, *, progress: bool = False, smoke: bool = False,
        echo=print):
    """Simulate, write ``out/NAME.h5``, draw the figures and ``out/report.md``. Returns
    ``(checks, h5 path)``. ``out`` must have been checked with ``io.writable_folder``."""
    h5 = out / f"{exp.NAME}.h5"
    checks, summary = simulate(exp, cfg, h5, progress=progress, smoke=smoke)
    echo(summary)
    redraw(h5, out)
    raise_if_interrupted()
    return checks, h5


def redraw(h5: Path, out: Path) -> list[str]:
    """Read ``h5`` and draw its figures and ``report.md`` into ``out``; returns the figure stems."""
    res = io.read(h5)
    exp = experiment(res.attrs["experiment"])
    out.mkdir(parents=True, exist_ok=True)
    stems = exp.plot(res, out)
    write_text_atomic(out / REPORT, report_markdown(res, stems, h5, out, exp))
    return stems


def _fmt(x: float) -> str:
    return f"{x:.6g}" if np.isfinite(x) else str(x)


def report_markdown(res: io.Result, stems: list[str], h5: Path, out: Path, exp) -> str:
    a = res.attrs
    rel = Path(h5).resolve()
    try:
        rel = rel.relative_to(out.resolve())
    except ValueError:
        rel = Path(h5).name
    c = res.group("checks")
    n_fail = int(np.sum(~c["passed"].astype(bool)))
    lines = [
        f"# {a['experiment']}",
        "",
        exp.SUMMARY,
        "",
        (exp.__doc__ or "").strip(),
        "",
        f"Result file: `{rel}` (schema {a['schema_version']}). Software {a['software_version']},"
        f" commit `{a['git_commit']}`, seed {a['seed']}, generator `{a['generator']}`,"
        f" T = {a['temperature']:g} K (kT = {a['kT']:.5g} J), run {a['started']} to"
        f" {a['finished']}.",
        "",
        "## Checks",
        "",
        f"{len(c['passed']) - n_fail} passed, {n_fail} failed. Two-sided checks pass when"
        " |simulated - reference| <= tolerance; `lower` when simulated >= reference - tolerance"
        " (a bound); `upper` when simulated <= reference + tolerance.",
        "",
        "| check | simulated | reference | tolerance | kind | unit | result |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for i in range(len(c["passed"])):
        lines.append(
            f"| {c['name'][i]} | {_fmt(c['simulated'][i])} | {_fmt(c['reference'][i])} |"
            f" {_fmt(c['tolerance'][i])} | {c['kind'][i]} | {c['unit'][i]} |"
            f" {'pass' if c['passed'][i] else '**FAIL**'} |"
        )
    lines += ["", "## Figures", ""]
    for s in stems:
        lines += [f"![{s}]({s}.png)", "", f"[{s}.pdf]({s}.pdf)", ""]
    lines += ["## Summary", "", "```", str(res["summary"][()]), "```", "", "## Config", "",
              "```toml", a["config_toml"].rstrip(), "```", ""]
    return "\n".join(lines)
