"""``civilcrawl run JOB.yaml``: a scheduled crawl that is safe to start twice, to kill, and to run again.

Exit status: 0 complete, 1 failed to run (or unexpected errors: the audit log's ``error`` records),
2 bad job file, 3 partial (stopped early or cut by a limit; the next run resumes or starts over
incrementally), 75 locked (another run of the job is going on).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from crawler.jobs.config import Job
    from crawler.jobs.resume import ResumePlan
    from crawler.queue.journal import Journal

NAME = "run"
HELP = "Run a job file: one at a time, resumable after a kill, incremental on later runs."

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_LOCKED = 0, 1, 2, 3, 75  # 75 = EX_TEMPFAIL (sysexits.h)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", metavar="JOB.yaml", help="the job file (see README, 'Scheduled jobs')")
    p.add_argument("--log-format", choices=("text", "json"), default="text",
                   help="log lines as plain text (default) or one JSON object per line")
    p.add_argument("--progress", choices=("auto", "live", "lines", "off"), default="auto",
                   help="auto: a live status line on a terminal, a progress log line every 10 s otherwise")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")


def run(args: argparse.Namespace) -> int:
    from crawler.jobs.config import JobError, load_job
    from crawler.jobs.lock import JobLock, Locked

    try:
        job = load_job(args.job)
    except JobError as exc:
        say(args, "ERROR", f"the job file has problems:\n{exc}")
        return EXIT_USAGE
    from crawler.cli.main import UsageError

    try:
        job_settings(job, Path(os.devnull), None, args)  # policy files, identity: checked before anything is touched
    except UsageError as exc:
        say(args, "ERROR", f"error: {exc}")
        return EXIT_USAGE
    lock = JobLock(job.state)
    try:
        lock.acquire()
    except Locked as exc:
        say(args, "WARNING", f"{job.path}: {exc}. Nothing was changed; exit {EXIT_LOCKED} (try again later).")
        return EXIT_LOCKED
    except OSError as exc:
        say(args, "ERROR", f"{job.path}: cannot take the job's lock in {job.state} ({exc.strerror or exc}); "
                           "choose a state folder this user can write")
        return EXIT_USAGE
    try:
        return _run_locked(job, args)
    finally:
        lock.release()


def say(args: argparse.Namespace, level: str, message: str) -> None:
    """A message before the log is set up, as the log would show it (one JSON object with --log-format json)."""
    if args.log_format == "json":
        import logging

        from crawler.jobs.logs import JsonFormatter

        record = logging.LogRecord("civilcrawl.run", getattr(logging, level), __file__, 0, message, None, None)
        print(JsonFormatter().format(record), file=sys.stderr)
    else:
        print(f"civilcrawl run: {message}", file=sys.stderr)


def job_settings(job: Any, audit: Path, items: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    """The crawl command's settings for this job, plus the job components."""
    from crawler.cli.crawl import defaults_namespace, settings_from_args
    from crawler.cli.main import UsageError
    from crawler.options import flagged, option

    ns = defaults_namespace()  # every shared option at its default, then the job's values
    for opt in flagged("fetch", "crawl"):
        if opt.job and opt.job_type == opt.kind:  # the same value in both (a job's output paths are its run's)
            setattr(ns, opt.name, _as_argument(opt, getattr(job, opt.name)))
    ns.out, ns.audit, ns.verbose = str(items) if items else None, str(audit), args.verbose
    try:
        settings = settings_from_args(ns)
    except UsageError as exc:
        raise UsageError(f"{job.path}: {exc}") from None
    progress = args.progress
    if progress == "auto":
        progress = "live" if sys.stderr.isatty() and args.log_format == "text" else "lines"
    settings.update({
        "CIVIL_JOB": True,
        "CIVIL_PROGRESS": progress,
        "CIVIL_LOG_FORMAT": args.log_format,
        "LOG_ENABLED": False,  # our own handler (crawler.jobs.logs) formats every line
        "CLOSESPIDER_TIMEOUT": job.max_time,
        "EXTENSIONS": {"crawler.jobs.extension.JobExtension": 0,
                       **({"crawler.jobs.progress.Progress": 0} if progress != "off" else {})},
    })
    if job.redis_url:
        settings.update(CIVIL_REDIS_URL=job.redis_url, CIVIL_CLUSTER=job.cluster or option("cluster").default)
    return settings


def job_spider(job: Job, journal: Journal, plan: ResumePlan) -> tuple[type | None, dict[str, Any]]:
    """The spider and its arguments. A job resumes from its journal: the run, and the plan reconcile() made of
    its unfinished URLs. A cluster worker's URLs are in the cluster's queue (Redis), not in its journal, which
    keeps its runs only: its plan has no rows, and the plain spider runs."""
    from crawler.jobs.spider import JobSpider

    if job.redis_url:
        return None, {"seeds": job.seeds}
    return JobSpider, {"seeds": job.seeds, "journal": journal, "plan": plan}


def _as_argument(opt: Any, value: Any) -> Any:
    """A job's value as the command line gives it: paths as text, ``HOST=ADDRESS`` for each resolved host."""
    if opt.kind == "map":
        return [f"{k}={v}" for k, v in value.items()]
    if isinstance(value, list):
        return [str(v) if isinstance(v, Path) else v for v in value]
    return str(value) if isinstance(value, Path) else value


def _run_locked(job: Any, args: argparse.Namespace) -> int:
    from crawler.cli.runner import run_crawl, unexpected_errors
    from crawler.jobs import logs
    from crawler.jobs import summary as S
    from crawler.jobs.resume import ResumePlan, reconcile
    from crawler.queue.journal import Journal

    journal = Journal(job.state)
    try:
        run, resumed = journal.open_run()
        run_dir = job.outputs / f"run-{run.id:04d}"
        run_dir.mkdir(parents=True, exist_ok=True)
        _point_latest(job.outputs, run_dir.name)
        audit = run_dir / "audit.jsonl"
        items = run_dir / "items.jsonl" if job.items else None
        worker = _worker(job)
        written_audit, written_items = _as_written(audit, worker), _as_written(items, worker)
        files = {"items": str(written_items) if written_items else None, "audit": str(written_audit),
                 "summary": str(run_dir / "summary.json")}
        if job.warc:
            files["warc"] = str(run_dir / "crawl.warc.gz")
        if job.sign_audit:
            files["audit_signature"] = str(written_audit) + ".sig"  # civilcrawl audit verify checks both
        if job.report:
            files["report"] = str(run_dir / "report.html")
        plan = (reconcile(journal, str(written_audit), str(written_items) if written_items else None, job.in_flight,
                          run=f"{job.path.stem} run-{run.id:04d}") if resumed else ResumePlan())
        level = ("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)]
        logs.install(level, args.log_format)
        settings = job_settings(job, audit, items, args)
        if worker:
            settings["CIVIL_WORKER"] = worker  # the add-on names this worker's files with it: read those below
        if job.warc:
            settings["CIVIL_WARC"] = files["warc"]
        settings["CIVIL_JOB_PAGES_DONE"] = plan.pages_fetched
        settings["CIVIL_JOB_ORIGIN_PAGES"] = plan.origin_pages
        settings["CIVIL_AUDIT_RUN"] = f"{job.path.stem} run-{run.id:04d}"
        started = time.time()
        spider, spider_args = job_spider(job, journal, plan)
        status, stats = run_crawl(settings, spider, **spider_args)
        reason = stats.get("finish_reason")
        pending = journal.pending()
        if not stats.get("start_time"):
            exit_status, state = EXIT_FAILED, S.INTERRUPTED
        elif reason == "finished" and not pending:
            limited = limited_by_budget(written_audit)
            exit_status, state = (EXIT_PARTIAL, S.PARTIAL) if limited else (EXIT_OK, S.COMPLETE)
            journal.finish_run(state)
            if unexpected_errors(stats):
                exit_status = EXIT_FAILED  # finished, but something raised that should not have: say so
        else:
            exit_status, state = EXIT_PARTIAL, S.INTERRUPTED
        extra = {"job": str(job.path), "finish_reason": reason, "this_process": {
            "resumed": resumed, "resent": len(plan.resent), "replayed": len(plan.replay),
            "interrupted": len(plan.interrupted), "recovered_records": plan.recovered_records,
            "seconds": round(time.time() - started, 3)}}
        if worker:
            extra["cluster"] = {"name": settings["CIVIL_CLUSTER"], "worker": worker}
        result = S.build(journal, str(written_audit), status=state, exit_status=exit_status, files=files, extra=extra)
        S.write(result, run_dir / "summary.json")
        if job.report:
            from crawler.audit.report import build_report
            from crawler.audit.report.build import NotAnAuditLog

            try:
                build_report(written_audit, run_dir / "report.html", title=f"{job.path.name}, run {run.id}")
            except (NotAnAuditLog, OSError) as exc:
                import logging

                logging.getLogger("civilcrawl.run").warning("no report for this run: %s %s", written_audit, exc)
        print(S.one_line(result), file=sys.stdout)
        print(f"summary: {run_dir / 'summary.json'}", file=sys.stdout)
        return exit_status
    finally:
        journal.close()


def _worker(job: Any) -> str | None:
    """A cluster worker's id (its audit and items files carry it), or None for a job on its own."""
    if not job.redis_url:
        return None
    from crawler.net.rediskeys import worker_id

    return worker_id()


@overload
def _as_written(path: Path, worker: str | None) -> Path: ...
@overload
def _as_written(path: None, worker: str | None) -> None: ...


def _as_written(path: Path | None, worker: str | None) -> Path | None:
    """The file the crawl writes for ``path``: a cluster worker's own (``audit.<worker>.jsonl``), else ``path``."""
    if path is None or worker is None:
        return path
    from crawler.distributed.addon import per_worker

    return Path(per_worker(str(path), worker))


def limited_by_budget(audit: Path) -> bool:
    """Did a limit (the page budget) cut this run short?"""
    from crawler.audit import read

    return any(r.get("reason") == "max-pages" for r in read.records(audit, missing_ok=True))


def _point_latest(outputs: Path, name: str) -> None:
    """``OUTPUTS/latest`` -> the current run's folder, replaced atomically."""
    link, tmp = outputs / "latest", outputs / f".latest-{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(name)
        os.replace(tmp, link)
    except OSError:
        pass
