"""`make bench`: the engine against the straightforward reference on the Chinchilla workloads and the whole make.

Both run in this process on the same data. The reference is slow (one scipy L-BFGS-B per start with
numerical gradients), so by default it runs on an evenly spaced subset of the grid starts and of the
resamples and its time is scaled to the full count; the output says so. BENCH_FULL=1 runs it in full.
Printed per workload: wall time of each, their ratio, peak memory, and the largest optimum differences.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from benchmarks import reference
from replication.data import load_table
from replication.fitting import fit_multistart, make_objective, start_grid
from replication.laws import get_law
from replication.metadata import load_paper
from replication.paths import ROOT
from replication.uncertainty.bootstrap import bootstrap_fit
from replication.uncertainty.resample import chunk_sizes, resample_weights

PAPER = "hoffmann2022training"
N_BOOT = 4000


def _measure(fn):
    """(result, wall seconds, peak traced MiB) of fn()."""
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, wall, peak


def _problem():
    paper = load_paper(PAPER)
    points = load_table("epoch-chinchilla", "points").nsmallest(240, "loss")
    X = {"N": points["Model Size"].to_numpy(float), "D": (points["Training FLOP"] / (6 * points["Model Size"])).to_numpy(float)}
    law = get_law("chinchilla")
    return law, make_objective(paper.protocol.objective), X, points["loss"].to_numpy(float), start_grid(law.params, paper.protocol.starts), paper


def _rel(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)) / np.maximum(np.abs(np.asarray(b)), 1e-300)


def _line(name, engine_s, ref_s, ref_note, peak_engine, peak_ref, extra):
    print(f"\n## {name}")
    print(f"engine      {engine_s:10.2f} s   peak traced memory {peak_engine:8.1f} MiB")
    print(f"reference   {ref_s:10.2f} s   peak traced memory {peak_ref:8.1f} MiB   ({ref_note})")
    print(f"ratio       {ref_s / engine_s:10.1f} x")
    for line in extra:
        print(line)


def grid_workload(law, obj, X, y, grid, stride, jobs):
    point, t_eng, m_eng = _measure(lambda: fit_multistart(law, obj, X, y, grid))
    sub = grid[::stride]
    (ref_x, ref_f), t_ref, m_ref = _measure(lambda: reference.fit_grid(law, obj, X, y, sub))
    polish_x, polish_f, _ = reference.fit_one(law, obj, X, y, np.ones_like(y), point.theta)
    nat_e, nat_r = law.natural_params(point.theta), law.natural_params(ref_x)
    extra = [
        f"optimum     engine {point.fun:.12g}   reference {ref_f:.12g}   relative difference {_rel(point.fun, ref_f):.2e}"
        f" ({'engine lower' if point.fun <= ref_f else 'reference lower'})",
        "parameters  max relative difference " + f"{max(_rel(nat_e[k], nat_r[k]) for k in nat_e):.2e}  ("
        + ", ".join(f"{k} {float(nat_e[k]):.6g}/{float(nat_r[k]):.6g}" for k in nat_e) + "  engine/reference)",
        f"reference restarted at the engine's optimum: objective {polish_f:.12g} (relative change "
        f"{(polish_f - point.fun) / point.fun:+.2e}), parameters moved by at most "
        f"{_rel(polish_x, point.theta).max():.2e} relative",
    ]
    note = f"{len(sub)} of {len(grid)} starts, time scaled x{len(grid) / len(sub):.1f}" if stride > 1 else "all starts"
    _line(f"Chinchilla grid fit ({len(grid)} starts, {len(y)} points, {obj.description})", t_eng, t_ref * len(grid) / len(sub),
          note, m_eng, m_ref, extra)
    return point, t_ref / len(sub)


def bootstrap_workload(law, obj, X, y, grid, point, seed, stride, jobs):
    boot, t_eng, m_eng = _measure(lambda: bootstrap_fit(law, obj, X, y, point, grid, n_boot=N_BOOT, seed=seed, n_jobs=jobs))
    # the first call also starts the worker processes; a second call shows the cost once they are running
    again, t_warm, _ = _measure(lambda: bootstrap_fit(law, obj, X, y, point, grid, n_boot=N_BOOT, seed=seed, n_jobs=jobs))
    assert np.array_equal(again.theta, boot.theta), "the bootstrap is not deterministic"
    sizes = chunk_sizes(N_BOOT)
    W = np.vstack([resample_weights(len(y), s, seed, i, len(sizes)) for i, s in enumerate(sizes)])
    pick = np.arange(0, N_BOOT, stride)
    (ref_theta, ref_f), t_ref, m_ref = _measure(lambda: reference.bootstrap(law, obj, X, y, point.theta, W[pick]))
    diff = (boot.fun[pick] - ref_f) / np.abs(ref_f)
    extra = [
        f"optimum     per resample, (engine - reference) / reference: max {diff.max():+.2e}, min {diff.min():+.2e}; "
        f"engine lower or equal on {np.mean(diff <= 1e-12):.1%} of {pick.size} resamples",
        f"            where the objectives agree to 1e-9, parameters differ by at most "
        f"{_rel(boot.theta[pick][np.abs(diff) < 1e-9], ref_theta[np.abs(diff) < 1e-9]).max(initial=0):.2e} relative",
        f"engine: {boot.n_grid_refits} resamples refitted from the grid by the basin safeguard, {jobs} worker(s); "
        "peak memory of worker processes not traced",
        f"engine with its worker processes already running: {t_warm:.2f} s, ratio {t_ref * N_BOOT / pick.size / t_warm:.1f} x "
        "(the time above includes starting them)",
    ]
    note = f"{pick.size} of {N_BOOT} resamples, time scaled x{N_BOOT / pick.size:.1f}" if stride > 1 else "all resamples"
    _line(f"Chinchilla bootstrap ({N_BOOT} refits)", t_eng, t_ref * N_BOOT / pick.size, note, m_eng, m_ref, extra)
    return t_ref / pick.size


def make_workload(per_start, per_resample, jobs):
    """The whole make: every result removed and rebuilt with the report, then a make with nothing changed.

    The reference's time is estimated from its unit costs measured above times the starts and resamples the
    make ran (running it would take hours).
    """
    from replication.results import read_result

    for old in (ROOT / "build").glob("*/result.json"):
        old.unlink()
    env = dict(os.environ, JOBS=str(jobs))
    cmd = ["make", "--no-print-directory", f"JOBS={jobs}"]
    t = time.perf_counter()
    make = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    with TreeMemory(make.pid) as memory:
        if make.wait() != 0:
            raise subprocess.CalledProcessError(make.returncode, cmd)
    t_make = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    t_noop = time.perf_counter() - t
    results = [read_result(p) for p in sorted((ROOT / "build").glob("*/result.json"))]
    starts = resamples = 0
    for r in results:
        held = {row["fit"] for row in r.get("extrapolation", []) if row.get("n_fit", 0) > 0}
        for name, fit in r.get("fits", {}).items():
            starts += fit.get("n_starts", 0) * (2 if name in held else 1)
            resamples += fit.get("bootstrap", {}).get("n", 0)
    t_ref = per_start * starts + per_resample * resamples
    failed = [r["paper"] for r in results if r["status"] == "failed"]
    _line(f"Whole make ({len(results)} papers, then the report)", t_make, t_ref,
          f"estimated: {starts} starts x {per_start:.3f} s + {resamples} resamples x {per_resample:.3f} s, "
          "the reference's unit costs measured above", memory.peak / 2**20, float("nan"),
          [f"engine peak memory: {memory.peak / 2**20:.0f} MiB resident, summed over make and every process it started "
           f"(sampled every {memory.interval:.1f} s); proportional set size (shared pages split between the processes "
           f"sharing them) {memory.peak_pss / 2**20:.0f} MiB",
           f"make with nothing changed: {t_noop:.2f} s", f"failed papers: {', '.join(failed) or 'none'}"]
          + _stage_lines(t_make))


def _stage_lines(t_make: float) -> list[str]:
    """Time per paper and the share of each stage, from the run's timing record (build/timings.json)."""
    import json

    path = ROOT / "build" / "timings.json"
    if not path.exists():
        return ["(no build/timings.json: per-paper and per-stage times not recorded)"]
    record = json.loads(path.read_text())
    lines = ["time per paper (s): " + ", ".join(f"{k} {v:.1f}" for k, v in
                                               sorted(record.get("papers", {}).items(), key=lambda kv: -kv[1]))]
    per_paper = record.get("per_paper", {})
    slow = [k for k, v in sorted(record.get("papers", {}).items(), key=lambda kv: -kv[1]) if v > 15.0]
    if slow:  # where the papers above the 15 s target spend their time (their three largest stages)
        lines.append("papers above 15 s, by their largest stages: " + "; ".join(
            f"{k} " + ", ".join(f"{n} {v:.1f}" for n, v in sorted(((n, v) for n, v in per_paper.get(k, {}).items()
                                                                  if not n.startswith("whole:")), key=lambda kv: -kv[1])[:3])
            for k in slow))
    stages = dict(record.get("stages", {}))
    papers = sum(record.get("papers", {}).values())  # summed over the worker processes that ran papers at once
    report = stages.get("report", 0.0) + stages.get("digitisation validation", 0.0)  # not inside a paper
    stages["other (data, scripts, checks)"] = max(papers - (sum(stages.values()) - report), 0.0)
    total = sum(stages.values())
    lines.append(f"papers ran for {papers:.1f} s in all (summed over worker processes); by stage, with the report: "
                 + ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f}%)"
                             for k, v in sorted(stages.items(), key=lambda kv: -kv[1])))
    whole = record.get("whole", {})
    if whole:
        studies = sum(whole.values())
        lines.append("robustness studies in this make, each with the fits and bootstraps inside it (summed over worker "
                     "processes): " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(whole.items()))
                     + f"; {studies:.1f} s in all, so about {studies / 2:.1f} s of the make's wall time with 2 workers "
                     "busy (the budget is 60 s)")
    return lines


def robustness_workload(jobs: int) -> None:
    """The full robustness study on one paper (Hoffmann et al.: coverage with K datasets of B resamples, the
    multiverse with B resamples per specification) at 1 and ``jobs`` workers: times, speed-up, and the coverage
    study's time projected to K = 1000 (it is linear in K)."""
    import tempfile

    from replication import timing
    from replication.audit import run_paper

    k, b = int(os.environ.get("BENCH_COVERAGE_K", "16")), int(os.environ.get("BENCH_COVERAGE_B", "200"))
    mb = int(os.environ.get("BENCH_MULTIVERSE_B", "200"))
    key = "hoffmann2022training"
    saved = {v: os.environ.get(v) for v in ("SCALING_AUDIT_COVERAGE_K", "SCALING_AUDIT_COVERAGE_B",
                                             "SCALING_AUDIT_MULTIVERSE_B")}
    os.environ.update(SCALING_AUDIT_COVERAGE_K=str(k), SCALING_AUDIT_COVERAGE_B=str(b), SCALING_AUDIT_MULTIVERSE_B=str(mb))
    took = {}
    try:
        for j in sorted({1, jobs}):
            timing.reset()
            with tempfile.TemporaryDirectory() as tmp:
                result = run_paper(key, build=Path(tmp), n_jobs=j)
            whole = {n[len(timing.WHOLE):]: v for n, v in timing.totals().items() if n.startswith(timing.WHOLE)}
            took[j] = (whole.get("coverage study", float("nan")), whole.get("multiverse", float("nan")), result["status"])
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old
    print(f"## Robustness, full study on {key} (coverage K = {k}, B = {b}; multiverse B = {mb} per specification)")
    for j, (cov, mv, status) in took.items():
        print(f"   {j} worker(s): coverage {cov:.1f} s (K = 1000 projected: {cov * 1000 / k / 60:.1f} min), "
              f"multiverse {mv:.1f} s ({status})")
    if jobs > 1 and 1 in took:
        (c1, m1, _), (cj, mj, _) = took[1], took[jobs]
        print(f"   scaling 1 -> {jobs} workers: coverage {c1 / cj:.2f}x, multiverse {m1 / mj:.2f}x faster")


class TreeMemory:
    """Peak of the summed resident memory of process ``pid`` and all its descendants (psutil; not this process or
    the workers its own workloads left running), and peak of their summed proportional set size (PSS: a page shared
    by k processes, e.g. numpy's libraries, counted 1/k in each), which is what the tree takes from the machine;
    RSS counts shared pages once per process."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.peak, self.peak_pss = pid, interval, 0, 0

    def __enter__(self):
        import threading

        import psutil

        root = psutil.Process(self.pid)
        self._stop = threading.Event()

        def sample():
            while not self._stop.is_set():
                total = pss = 0
                try:
                    tree = [root] + root.children(recursive=True)
                except psutil.Error:  # the make has ended
                    tree = []
                for child in tree:
                    try:
                        info = child.memory_full_info()  # reads smaps: RSS and PSS of the same moment
                        total, pss = total + info.rss, pss + getattr(info, "pss", info.rss)
                    except psutil.Error:
                        pass
                self.peak, self.peak_pss = max(self.peak, total), max(self.peak_pss, pss)
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def main() -> None:
    full = os.environ.get("BENCH_FULL") == "1"
    jobs = int(os.environ.get("SCALING_AUDIT_JOBS", "2"))
    which = os.environ.get("BENCH_WORKLOADS", "grid,bootstrap,make,robustness").split(",")
    law, obj, X, y, grid, paper = _problem()
    print(f"# scaling-law-audit benchmark: engine against per-start scipy L-BFGS-B with numerical gradients")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, {jobs} worker(s)")
    point, per_start = grid_workload(law, obj, X, y, grid, 1 if full else 10, jobs)
    per_resample = 0.0
    if "bootstrap" in which or "make" in which:
        per_resample = bootstrap_workload(law, obj, X, y, grid, point, int(paper.protocol.bootstrap["seed"]), 1 if full else 20, jobs)
    if "make" in which:
        make_workload(per_start, per_resample, jobs)
    if "robustness" in which:
        robustness_workload(jobs)


if __name__ == "__main__":
    main()
