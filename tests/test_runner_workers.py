"""Papers spread over worker processes: the same results as one process, true start and end lines, and a worker
that dies fails only its own paper (a paper running beside it is rerun alone)."""

import json
import os

from replication.runner import _run_in_workers, run_papers

CHEAP = ["kaplan2020scaling", "yao2023research"]  # two real papers that run in about a second each


def _results(build):
    """The result files without the commit they were made at (the tree may be edited while the tests run)."""
    out = {k: json.loads((build / k / "result.json").read_text()) for k in CHEAP}
    for result in out.values():
        result["made"].pop("code")
    return out


def test_workers_give_the_results_of_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("SCALING_AUDIT_N_BOOT", "20")
    lines = []
    one = run_papers(CHEAP, n_jobs=1, build=tmp_path / "one", say=lines.append)
    two = run_papers(CHEAP, n_jobs=2, build=tmp_path / "two", say=lines.append)
    assert [o.status for o in one] == [o.status for o in two] == ["ok", "ok"]
    assert _results(tmp_path / "one") == _results(tmp_path / "two")
    for key in CHEAP:
        assert sum(line.endswith(f"{key}: started (asked for)") for line in lines) == 2
        assert sum(f"{key}: ok after" in line for line in lines) == 2


def dies_on_kaplan(key, build, override, jobs, limit, problems):
    """A stand-in for one paper's run whose worker process dies on one paper."""
    if key == "kaplan2020scaling":
        os._exit(3)
    return "ok", None, 0.0, {}


def test_a_dead_worker_fails_its_paper_only(tmp_path):
    lines = []
    todo = [("kaplan2020scaling", "asked for"), ("yao2023research", "asked for")]
    out = {o.key: o for o, _ in _run_in_workers(todo, tmp_path, None, 2, 0, {}, {}, lines.append, task=dies_on_kaplan)}
    assert out["yao2023research"].status == "ok"
    dead = out["kaplan2020scaling"]
    assert dead.status == "failed" and "worker process running it died" in dead.error and "Fix:" in dead.error
    on_disk = json.loads((tmp_path / "kaplan2020scaling" / "result.json").read_text())
    assert on_disk["status"] == "failed" and on_disk["error"] == dead.error
    assert any("kaplan2020scaling: FAILED after" in line for line in lines)


def quick_paper(key, build, override, jobs, limit, problems):
    """A stand-in for one paper's run."""
    return "ok", None, 0.0, {}


def writes_section(build):
    """A stand-in for the report work queued beside the papers (the digitiser's validation)."""
    (build / "section.txt").write_text("done")
    return "ok", None, 0.5, {}


def breaks(build):
    raise RuntimeError("no figure")


def test_report_work_runs_in_the_pool_beside_the_papers(tmp_path, monkeypatch):
    import replication.runner as runner

    monkeypatch.setattr(runner, "TIMES_CACHE", tmp_path / "times.json")
    lines = []
    todo = [("kaplan2020scaling", "asked for"), ("yao2023research", "asked for")]
    out = _run_in_workers(todo, tmp_path, None, 2, 0, {}, {}, lines.append, task=quick_paper,
                          extra={"digitisation validation": writes_section, "other section": breaks})
    assert sorted(o.key for o, _ in out) == sorted(k for k, _ in todo)  # no paper outcome for the report work
    assert (tmp_path / "section.txt").read_text() == "done"
    assert "digitisation validation: started (out of date)" in lines
    assert any(line.startswith("digitisation validation: ok after 0.5 s") for line in lines)
    assert any(line.startswith("other section: failed after") and "RuntimeError: no figure" in line for line in lines)
    assert all(o.status == "ok" for o, _ in out)


def test_the_digitiser_validation_is_out_of_date_when_the_library_changes(tmp_path, monkeypatch):
    import replication.fingerprint as fingerprint
    from replication.report import digitised_cache as cache
    from replication.results import write_result

    write_result(cache.cache_path(tmp_path), {"key": cache.cache_key()})
    assert cache.is_current(tmp_path)
    monkeypatch.setattr(fingerprint, "library_digest", lambda: "another library")
    assert not cache.is_current(tmp_path)
    assert cache.stale(tmp_path)
    monkeypatch.setenv(cache.ENABLED_ENV, "0")
    assert not cache.enabled() and not cache.stale(tmp_path)


def test_make_step_names_the_errors_of_a_validation_computed_beside_the_papers(tmp_path, monkeypatch, capsys):
    import replication.paths as paths
    from replication.report import digitised_cache, digitised_results
    from replication.results import write_result

    monkeypatch.setattr(paths, "BUILD", tmp_path)
    write_result(digitised_cache.cache_path(tmp_path),
                 {"key": digitised_cache.cache_key(), "point_sets": [], "agreement": [], "shift": [], "widening": [],
                  "errors": ["Llama 3 Figure 2: ValueError: no frame"]})
    assert digitised_results.main() == 0
    out = capsys.readouterr().out
    assert "digitised: Llama 3 Figure 2: ValueError: no frame" in out and "up to date in" in out


def _square(x):
    return x * x


def test_joblib_in_the_same_process_after_the_runner(tmp_path):
    """The runner's pool is its own: joblib's Parallel afterwards (grouped fits, bootstraps in this process) must
    not pick up an executor without joblib's state (the failure was an AttributeError on _temp_folder_manager)."""
    from replication.parallel import run_tasks

    todo = [("kaplan2020scaling", "asked for"), ("yao2023research", "asked for")]
    out = _run_in_workers(todo, tmp_path, None, 2, 0, {}, {}, [].append, task=quick_paper)
    assert all(o.status == "ok" for o, _ in out)
    assert run_tasks(_square, [(i,) for i in range(4)], n_jobs=2) == [0, 1, 4, 9]
