"""Run the papers that need running, in one process, each isolated, with a line as each starts and ends.

One process for all papers means the imports and the worker pool start once: with more than one job the
papers are spread over that many worker processes (longest first), each running its paper's bootstrap itself;
with one job, or on a Dask cluster, they run one after another in this process and the bootstrap chunks go to
the workers or the cluster. A paper needs running when its result is missing, unreadable, or was made from
other inputs or settings than today's (see fingerprint.py). Failures are recorded per paper and named at the end.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import AuditError, SettingError
from .fingerprint import fingerprint, out_of_date
from .caches import forget_all
from .heap import allocate_from_the_heap, release_freed_memory
from .lock import tree_lock
from .metadata.paper import load_paper, paper_keys, unusable_paper_folders
from . import paths
from .paths import KEY_RULE, ROOT, is_key, suggest
from .results import read_paper_result, write_text_atomic
from .settings import jobs_setting, n_boot_setting, time_limit_setting


@dataclass
class Outcome:
    """What happened to one paper in a run."""

    key: str
    status: str
    error: str | None
    seconds: float | None  # None: not run (its result was current)
    why: str | None = None


def resolve_keys(requested: list[str]) -> list[str]:
    """The paper keys to consider: every paper when none is asked for; an unknown key is an error with a hint."""
    known = paper_keys()
    if not requested:
        return [k for k in known if is_key(k)]
    for key in requested:
        if not is_key(key):
            raise SettingError("paper key", key, f"not a usable key ({KEY_RULE})", "give the key of a folder under papers/")
        if key not in known:
            raise SettingError("paper key", key, "no such paper (papers/<key>/paper.yaml does not exist)",
                               suggest(key, known) + "`scaling-law-audit list` shows every paper; to start a new one run "
                               "`make review PAPER=<key>`")
    return list(dict.fromkeys(requested))


def paper_datasets(key: str) -> list[str] | None:
    """The datasets a paper lists, or None when its metadata cannot be read."""
    try:
        return load_paper(key).datasets
    except AuditError:
        return None


def current_result(key: str, build: Path) -> tuple[dict | None, str | None]:
    """(the result, None) or (None, why it cannot be used)."""
    path = build / key / "result.json"
    if not path.exists():
        return None, "no result yet"
    try:
        return read_paper_result(path, key), None
    except AuditError as exc:
        return None, f"unreadable result ({exc})"


def staleness(key: str, build: Path, data_problems: dict, n_boot: int | None, limit: float) -> tuple[dict | None, str | None]:
    """(the result, why it must be rerun), the reason None when the result is current."""
    result, problem = current_result(key, build)
    if result is None:
        return None, problem
    return result, out_of_date(result, fingerprint(key, paper_datasets(key), data_problems, n_boot, limit))


def run_papers(keys: list[str] | None = None, *, stale_only: bool = False, n_boot: int | None = None,
               n_jobs: int | None = None, time_limit: float | None = None, build: Path | None = None,
               say: Callable[[str], None] = print,
               extra: Callable[[Path], dict[str, Callable]] | None = None) -> list[Outcome]:
    """Run (or, with ``stale_only``, bring up to date) the given papers; returns one Outcome per paper. ``extra``
    (the build folder -> name -> function of the build folder) gives other out-of-date work of the whole build
    (for the report), run in the papers' worker pool while it is busy when the whole corpus is brought up to
    date on local workers."""
    from .data.verify import dataset_problems

    build = Path(build or paths.BUILD)
    override, jobs, limit = n_boot_setting(n_boot), jobs_setting(n_jobs), time_limit_setting(time_limit)
    whole_corpus = not keys
    keys = resolve_keys(keys or [])
    outcomes: list[Outcome] = []
    with tree_lock(build, "run"):
        problems = dataset_problems(build)
        for name, errs in problems.items():
            for e in errs:
                say(f"data  FAIL {name}: {e}")
        todo = []
        for key in keys:
            result, why = staleness(key, build, problems, override, limit) if stale_only else (None, "asked for")
            if why is None:
                outcomes.append(Outcome(key, result["status"], result.get("error"), None))
            else:
                todo.append((key, why))
        if stale_only:
            say(f"{len(keys) - len(todo)} paper(s) up to date, {len(todo)} to run"
                + (f" (bootstrap count override {override})" if override is not None else ""))
        if todo:
            from . import timing
            from .parallel import dask_address

            timing.reset()
            took_by_paper: dict[str, float] = {}
            stages_by_paper: dict[str, dict[str, float]] = {}
            pooled = jobs > 1 and dask_address() is None
            more = extra(build) if extra is not None and pooled and stale_only and whole_corpus else {}
            if pooled and len(todo) + len(more) > 1:
                ran = _run_in_workers(todo, build, override, jobs, limit, problems, _expected_times(todo, build), say,
                                      extra=more)
            else:
                ran = _run_in_process(todo, build, override, jobs, limit, problems, say)
            for outcome, stages in ran:
                outcomes.append(outcome)
                took_by_paper[outcome.key] = outcome.seconds
                stages_by_paper[outcome.key] = stages
                timing.add(stages)
            timing.write_record(build / "timings.json", papers=took_by_paper, per_paper=stages_by_paper)
            _remember_times(took_by_paper)
    for folder in unusable_paper_folders():
        outcomes.append(Outcome(folder, "failed", f"papers/{folder!r}: the folder name is not a usable paper key; "
                                f"rename it ({KEY_RULE})", None))
    order = {k: i for i, k in enumerate(keys)}
    outcomes.sort(key=lambda o: order.get(o.key, len(order)))
    return outcomes


def _end_line(i: int, n: int, key: str, result_status: str, error: str | None, took: float) -> str:
    return (f"[{i}/{n}] {key}: {result_status.upper() if result_status == 'failed' else result_status} after {took:.1f} s"
            + (f" -- {error}" if error else ""))


def _run_one(key: str, build: Path, override, jobs: int, limit: float, problems: dict) -> tuple:
    """Run one paper (in this process or a worker): (status, error, seconds, seconds per stage)."""
    from . import timing
    from .audit import run_paper  # the heavy imports, only when something runs

    allocate_from_the_heap()
    before = timing.totals()
    t0 = time.perf_counter()
    result = run_paper(key, build=build, n_boot=override, n_jobs=jobs, time_limit=limit, data_problems=problems)
    took = time.perf_counter() - t0
    forget_all()  # the next paper in this process starts from what it needs, not what this one kept or freed
    release_freed_memory()
    after = timing.totals()
    return result["status"], result.get("error"), took, {k: v - before.get(k, 0.0) for k, v in after.items()}


def _run_in_process(todo, build, override, jobs, limit, problems, say) -> list[tuple[Outcome, dict]]:
    """Papers one after another in this process; each paper's bootstrap and safeguard refits use ``jobs`` workers."""
    from . import timing

    out = []
    for i, (key, why) in enumerate(todo, 1):
        say(f"[{i}/{len(todo)}] {key}: started ({why})")
        status, error, took, stages = _run_one(key, build, override, jobs, limit, problems)
        timing.reset()  # the stages are handed back per paper, and added up once by the caller
        say(_end_line(i, len(todo), key, status, error, took))
        out.append((Outcome(key, status, error, took, why), stages))
    return out


def _run_in_workers(todo, build, override, jobs, limit, problems, previous, say,
                    task: Callable = None, extra: dict[str, Callable] | None = None) -> list[tuple[Outcome, dict]]:
    """Papers spread over ``jobs`` worker processes, started once, longest first (by the last run's times), at most
    ``jobs`` at a time so the start and end lines are true; each paper runs its own work in its worker. Results
    are the same as in one process (every resampling is seeded per chunk, never per worker). A worker that dies
    fails its paper with that reason: every paper running when a worker died is rerun alone, and fails only if its
    worker dies again. ``extra`` (name -> function of the build folder) is other work for the report, queued with
    the papers by its last time; its end line names it, and it is no paper's outcome (its time is kept for the
    order, and under its name in the run's stages)."""
    task = task or _run_one
    extra = extra or {}
    order = sorted(todo, key=lambda kw: -previous.get(kw[0], 0.0))
    number = {key: i for i, (key, _) in enumerate(order, 1)}
    n = len(order)
    for name in extra:  # placed by its last time among the papers (a fresh build: early, it takes a while)
        last = _read_times(TIMES_CACHE).get(name, 30.0)
        at = next((i for i, (k, _) in enumerate(order) if previous.get(k, 0.0) < last), len(order))
        order.insert(at, (name, "out of date"))
    queue, running, out, retried = list(order), {}, [], set()
    with _OwnPool(jobs) as pools:
        return _drain(queue, running, out, retried, jobs, number, n, extra, task, build, override, limit, problems,
                      say, pools)


class _OwnPool:
    """The runner's own loky pool, never loky's process-wide reusable one: joblib's Parallel later in this process
    (grouped fits, bootstraps) must not pick up an executor it did not make, which lacks joblib's memmapping state.
    A pool that lost a worker is replaced before the next submission; all are shut down on leaving."""

    def __init__(self, jobs: int):
        from joblib.externals.loky.process_executor import BrokenProcessPool

        self.jobs, self.current, self.broken_error = jobs, None, BrokenProcessPool

    def get(self):
        if self.current is None:
            from joblib.externals.loky import ProcessPoolExecutor

            self.current = ProcessPoolExecutor(max_workers=self.jobs, timeout=60)
        return self.current

    def failed(self, executor, exc: BaseException) -> None:
        """A task of ``executor`` raised ``exc``: if its pool is broken, stop using that pool."""
        if isinstance(exc, self.broken_error) and executor is self.current:
            self.current = None
            executor.shutdown(wait=False, kill_workers=True)

    def __enter__(self) -> "_OwnPool":
        return self

    def __exit__(self, *exc) -> None:
        if self.current is not None:
            self.current.shutdown(wait=True)
            self.current = None


def _drain(queue, running, out, retried, jobs, number, n, extra, task, build, override, limit, problems, say,
           pools: _OwnPool) -> list[tuple[Outcome, dict]]:
    """The scheduling loop of :func:`_run_in_workers`: submit while there is room, collect what ends."""
    from concurrent.futures import FIRST_COMPLETED, wait

    from . import timing

    while queue or running:
        alone = any(k in retried for k, *_ in running.values())
        while queue and len(running) < jobs and not alone and not (running and queue[0][0] in retried):
            key, why = queue.pop(0)
            executor = pools.get()
            if key in extra:
                say(f"{key}: started ({why})")
                running[executor.submit(extra[key], build)] = (key, why, time.perf_counter(), executor)
                continue
            say(f"[{number[key]}/{n}] {key}: started ({why})")
            running[executor.submit(task, key, build, override, 1, limit, problems)] = (key, why, time.perf_counter(),
                                                                                         executor)
            if key in retried:
                break  # a paper rerun after a worker died runs alone
        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for future in done:
            key, why, t0, executor = running.pop(future)
            if key in extra:
                try:
                    status, error, took, _ = future.result()
                except Exception as exc:  # left to make's own step for it, which reports the error
                    pools.failed(executor, exc)
                    status, error, took = "failed", f"{type(exc).__name__}: {exc}", time.perf_counter() - t0
                say(f"{key}: {status} after {took:.1f} s" + (f" -- {error}" if error else ""))
                timing.add({key: took})
                _remember_times({key: took})
                continue
            try:
                status, error, took, stages = future.result()
            except Exception as exc:  # the worker process died (killed, out of memory, a crash in C code)
                pools.failed(executor, exc)
                if key not in retried:  # it may have died of its neighbour: once more, alone
                    retried.add(key)
                    queue.insert(0, (key, why))
                    continue
                from .audit import record_failure

                error = (f"papers/{key}: the worker process running it died ({type(exc).__name__}); Fix: run "
                         f"`scaling-law-audit run {key}` alone to see the crash")
                record_failure(key, error, build, problems, override, limit)
                status, took, stages = "failed", time.perf_counter() - t0, {}
            say(_end_line(number[key], n, key, status, error, took))
            out.append((Outcome(key, status, error, took, why), stages))
    return out


def _expected_times(todo: list[tuple[str, str]], build: Path) -> dict[str, float]:
    """How long each paper is expected to take, for the longest-first order: its time in the last run, else (a
    fresh build) a rough guess from the resamples its fits declare, 1 s per 100 (only the order depends on it)."""
    previous = _previous_times(build)
    out = {}
    for key, _ in todo:
        if key in previous:
            out[key] = previous[key]
            continue
        try:
            paper = load_paper(key)
        except AuditError:
            out[key] = 0.0
            continue
        proto = paper.protocol
        default = int(proto.bootstrap.get("n", 0)) if proto is not None else 0
        declared = [int((f.bootstrap or {}).get("n", default)) for f in getattr(paper, "fits", [])]
        out[key] = (sum(declared) if declared else default) / 100.0 if paper.status == "replicated" else 0.0
    return out


TIMES_CACHE = ROOT / ".cache" / "paper_times.json"  # last time of each paper, kept across `make clean`


def _read_times(path: Path) -> dict[str, float]:
    import json

    try:
        papers = json.loads(path.read_text()).get("papers", {})
        return {str(k): float(v) for k, v in papers.items() if isinstance(v, (int, float))}
    except (OSError, ValueError, AttributeError):
        return {}


def _previous_times(build: Path) -> dict[str, float]:
    """Seconds per paper in the last run's timing record, else in the cache kept across `make clean`."""
    return {**_read_times(TIMES_CACHE), **_read_times(build / "timings.json")}


def _remember_times(took: dict[str, float]) -> None:
    """Keep each paper's last time outside build/ (it orders the next run only; results never depend on it)."""
    import json

    try:
        merged = {**_read_times(TIMES_CACHE), **took}
        TIMES_CACHE.parent.mkdir(exist_ok=True)
        write_text_atomic(TIMES_CACHE, json.dumps({"papers": merged}, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass


def failure_lines(outcomes: list[Outcome]) -> list[str]:
    """One line per failed paper, for the end of a run."""
    failed = [o for o in outcomes if o.status == "failed"]
    if not failed:
        return []
    return [f"{len(failed)} paper(s) failed: {', '.join(o.key for o in failed)}"] + [f"  {o.key}: {o.error}" for o in failed]


def all_outcomes(build: Path | None = None) -> list[Outcome]:
    """The recorded state of every paper (no running): its result's status, or why there is none."""
    build = Path(build or paths.BUILD)
    out = []
    for key in paper_keys():
        if not is_key(key):
            out.append(Outcome(key, "failed", f"papers/{key!r}: the folder name is not a usable paper key", None))
            continue
        result, problem = current_result(key, build)
        if result is None:
            out.append(Outcome(key, "not run" if problem == "no result yet" else "failed", problem, None))
        else:
            out.append(Outcome(key, result["status"], result.get("error"), None))
    return out


def report_inputs_digest(build: Path | None = None) -> str:
    """A digest of everything the report is built from: results, paper and checklist files, the code, the commit.
    `make` rebuilds the report exactly when it changes."""
    from .fingerprint import code_version

    build = Path(build or paths.BUILD)
    h = hashlib.sha256()
    files = sorted(build.glob("*/result.json")) + sorted(paths.PAPERS.glob("*/*.yaml"))
    files += sorted(p for p in (ROOT / "replication").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files += [p for p in (ROOT / "pyproject.toml", ROOT / "requirements.lock") if p.is_file()]
    for p in files:
        try:
            h.update(str(p).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
        except OSError:
            h.update(str(p).encode() + b"\0unreadable")
    h.update(repr(sorted(code_version().items())).encode())
    return h.hexdigest()


def write_stamp(path: Path, build: Path | None = None) -> bool:
    """Write the report-inputs digest to ``path`` only when it changed (so make sees an unchanged file)."""
    digest = report_inputs_digest(build) + "\n"
    path = Path(path)
    try:
        if path.read_text(encoding="utf-8") == digest:
            return False
    except OSError:
        pass
    write_text_atomic(path, digest)
    return True


def main_run(keys: list[str], stale: bool, n_boot, jobs, limit, stamp: str | None,
             extra: Callable[[Path], dict[str, Callable]] | None = None) -> int:
    """The `run` command: 0 when every paper succeeded, 1 when one failed (after running the rest)."""
    outcomes = run_papers(keys, stale_only=stale, n_boot=n_boot, n_jobs=jobs, time_limit=limit,
                          say=lambda line: print(line, flush=True), extra=extra)
    if stamp:
        write_stamp(Path(stamp))
    lines = failure_lines(outcomes)
    for line in lines:
        print(line, file=sys.stderr)
    return 1 if lines else 0
