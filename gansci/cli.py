"""The `gansci` command line: list what is installed; run, resume, sample and validate runs."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from pathlib import Path

from gansci.config import migrate, overrides_to_dict
from gansci.engine import distributed
from gansci.errors import GansciError
from gansci.experiment import Experiment, check_resumable, dotted_keys
from gansci.files import writable_parent
from gansci.registry import get_registry
from gansci.report import format_table
from gansci.specs import KINDS, SINGULAR

log = logging.getLogger(__name__)


def _cmd_plugins(args: argparse.Namespace) -> None:
    reg = get_registry()
    for info in sorted(reg.plugins.values(), key=lambda p: p.name):
        status = f"BROKEN: {info.error}" if info.error else "ok"
        print(f"{info.name} {info.version} [{status}]")
        for kind in KINDS:
            if info.registered.get(kind):
                print(f"  {kind}: {', '.join(info.registered[kind])}")
    for (kind, name), owners in reg.conflicts.items():
        print(f"CONFLICT: {SINGULAR[kind]} {name!r} is registered by {' and '.join(owners)}")


def _listing(kind: str):
    def show(args: argparse.Namespace) -> None:
        specs = sorted(get_registry().specs(kind), key=lambda ps: ps[1].name)
        width = max((len(s.name) for _, s in specs), default=0)
        for plugin, spec in specs:
            print(f"{spec.name:<{width}}  {spec.description}  [{plugin}]")
            if kind == "games":  # roles and options, read from the game class itself
                game = spec.factory
                roles = ", ".join(f"{r} ({k[:-1]})" for r, k in game.roles.items())
                print(f"{'':<{width}}  roles: {roles or 'none'}")
                for f in dataclasses.fields(game.Options):
                    print(f"{'':<{width}}  game.{f.name} = {f.default!r}")

    return show


def _print_rows(rows) -> None:
    print("\n".join(format_table(rows)))


def _cmd_run(args: argparse.Namespace) -> int | None:
    if args.nproc > 1:
        return _launch(args)
    if args.seeds > 1 or args.vectorize:
        if args.force:
            raise GansciError("--force applies to a single run, not to --seeds or --vectorize")
        if distributed.launched():
            raise GansciError("--seeds and --vectorize run in one process, not under torchrun")
        from gansci.seeds import format_summary, run_seeds, validate_seeds

        overrides = overrides_to_dict(args.set)
        exps = run_seeds(
            args.recipe, args.seeds, args.seed, args.out, args.device, args.vectorize, overrides
        )
        folder = exps[0].run_dir.parent
        print(f"run folders: {folder}/seed-*")
        if not args.no_validate:
            print("\n".join(format_summary(validate_seeds(folder))))
            print(f"report: {folder / 'report.md'}")
        return
    exp = Experiment.from_recipe(
        args.recipe, args.seed, args.device, args.out, overrides_to_dict(args.set)
    )
    exp.run(validate=not args.no_validate, force=args.force)
    if not distributed.is_main():
        return None
    print(f"run folder: {exp.run_dir}")
    if not args.no_validate:
        _print_rows(_last_rows(exp))
        print(f"report: {exp.run_dir / 'report.md'}")


def _last_rows(exp: Experiment):
    import json

    from gansci.report import MetricValue

    data = json.loads((exp.run_dir / "validation.json").read_text())
    return [MetricValue(**r) for r in data]


def _cmd_resume(args: argparse.Namespace) -> int | None:
    overrides = migrate(overrides_to_dict(args.set))
    check_resumable(dotted_keys(overrides))  # before the folder is even read
    if args.nproc > 1:
        return _launch(args)
    exp = Experiment.load(args.run_dir, **overrides)
    exp.resume(validate=not args.no_validate)
    if distributed.is_main():
        print(f"run folder: {exp.run_dir}")
    return None


def _launch(args: argparse.Namespace) -> int:
    """This command again in ``--nproc`` processes on this machine, started by torchrun's
    own launcher (torch.distributed.run, standalone rendezvous); a process that fails is
    named in one line, with where the run can continue from."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    if distributed.launched():
        raise GansciError("--nproc: this process is already one of torchrun's; drop --nproc")
    argv = _without_nproc(args.argv)
    # torchrun's default for its processes, set here so that it need not warn about it
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // args.nproc)))
    launch = ["--standalone", f"--nproc-per-node={args.nproc}", "-m", "gansci", *argv]
    logging.getLogger("torch.distributed.elastic").setLevel(logging.CRITICAL)  # ours below
    try:
        run(parse_args(launch))
    except ChildFailedError as exc:
        died = [(r, f) for r, f in sorted(exc.failures.items()) if f.exitcode not in (0, 1)]
        # the ones torchrun itself stopped (SIGTERM) after another died are named last
        died.sort(key=lambda rf: rf[1].exitcode == -signal.SIGTERM)
        if not died:
            return 1  # a gansci error, which rank 0 has reported
        rank, failure = died[0]
        how = (
            f"was killed by {failure.signal_name()}"
            if failure.exitcode < 0
            else f"exited with code {failure.exitcode}"
        )
        folder = getattr(args, "run_dir", None) or args.out
        where = f"`gansci resume {folder}`" if folder else "`gansci resume RUN_FOLDER`"
        print(
            f"gansci: error: process {rank} of {args.nproc} {how}, so the run stopped; its "
            f"last checkpoint is intact: continue with {where} (any --nproc)",
            file=sys.stderr,
        )
        return 1
    return 0


def _without_nproc(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            out.append(a)
    return out


def _cmd_sample(args: argparse.Namespace) -> None:
    if args.source is None and (args.n is None or args.n < 1):
        got = "" if args.n is None else f", got -n {args.n}"
        raise GansciError(f"gansci sample: give -n N (at least 1 sample){got}, or --from FILE")
    if args.output.is_dir():
        raise GansciError(f"-o {args.output}: is a folder; give a file such as out.npy")
    exp = Experiment.load(args.run_dir)
    output = exp.sample_path(args.output)
    _check_output(output, args.force)  # before the work, not after it
    flags = [f for f in args.format_flags if getattr(args, f.replace("-", "_"))]
    exp.check_flags(output, flags)
    if args.source is not None:
        if not exp.game.directions:
            raise GansciError(f"--from {args.source}: this run's game does not translate; use -n")
        direction = args.direction or (exp.game.directions[:1] or [""])[0]
        source = direction.partition("2")[0] or None
        x = exp.read_samples(args.source, view=source)
        out = exp.translate(x, direction, seed=args.seed, standardized=args.standardized)
        path = exp.write_samples(out, output, flags)
        print(f"wrote the {direction} translations of {args.source} to {path}")
        return
    samples = exp.sample(args.n, seed=args.seed, standardized=args.standardized)
    path = exp.write_samples(samples, output, flags)
    print(f"wrote {args.n} samples to {path}")


def _check_output(path: Path, force: bool) -> None:
    """An output file that exists (without --force) or cannot be written is refused before
    any work is done."""
    if path.is_dir():
        raise GansciError(f"-o {path}: is a folder; give a file such as out.npy")
    if path.exists() and not force:
        raise GansciError(f"-o {path}: the file exists; choose another name or pass --force")
    folder = writable_parent(path)
    if folder is not None:
        raise GansciError(f"-o {path}: cannot write into {folder}")


def _cmd_show(args: argparse.Namespace) -> None:
    exp = Experiment.from_recipe(args.recipe, overrides=overrides_to_dict(args.set))
    print(exp.resolved_toml(), end="")


def _cmd_validate(args: argparse.Namespace) -> None:
    from gansci.seeds import format_summary, seed_folders, validate_seeds

    if not (args.run_dir / "config.toml").exists() and seed_folders(args.run_dir):
        print("\n".join(format_summary(validate_seeds(args.run_dir))))
        print(f"report: {args.run_dir / 'report.md'}")
        return
    exp = Experiment.load(args.run_dir)
    if args.samples is None:
        _print_rows(exp.validate())
        print(f"report: {exp.run_dir / 'report.md'}")
        return
    report = args.samples.with_name(f"{args.samples.stem}.report.md")
    _print_rows(exp.validate(exp.read_samples(args.samples), report=report))
    print(f"report: {report}")


def _cmd_check(args: argparse.Namespace) -> int:
    from gansci.validation import check

    params = {k.removeprefix("data."): v for k, v in overrides_to_dict(args.set).items()}
    out = args.output
    taken = out is not None and out.exists() and not (out.is_dir() and not any(out.iterdir()))
    if taken and (not out.is_dir() or not args.force):
        raise GansciError(f"-o {out}: exists and is not an empty folder (--force: a folder)")
    metrics = [m for m in (args.metrics or "").split(",") if m]
    report = check(
        args.samples,
        args.dataset,
        args.real,
        metrics,
        args.n,
        args.seed,
        params,
        args.direction,
        args.truth,
    )
    _print_rows(report.rows)
    failed = report.failures
    if report.verdict:
        met = sum(r.verdict == "PASS" for r in report.rows)
        total = met + len(failed)
        print(f"verdict: {report.verdict} ({met} of {total} targets met)")
        for r in failed:
            print(f"  FAIL {r.metric}.{r.key}: {r.value:.4g} (target {r.target})")
    if args.output is not None:
        print(f"report: {report.save(args.output, force=True)}")
    return 3 if failed else 0


def _cmd_export(args: argparse.Namespace) -> None:
    from gansci.validation import export

    params = {k.removeprefix("data."): v for k, v in overrides_to_dict(args.set).items()}
    n = export(args.dataset, args.output, args.split, args.view, args.n, params, args.force)
    print(f"wrote {n} {args.split} samples to {args.output}")


def _cmd_plot(args: argparse.Namespace) -> None:
    from gansci.errors import CheckpointError
    from gansci.report import plot_curves

    out = args.run_dir / "figures" / "training.png"
    if not plot_curves(args.run_dir, out):
        raise CheckpointError(f"{args.run_dir}: no training records in metrics.jsonl yet")
    print(f"wrote {out}")


def _format_flags() -> dict[str, str]:
    """Every installed format's writer flags, each with its help and the formats it is for."""
    where: dict[str, list[str]] = {}
    helps: dict[str, str] = {}
    for _, spec in get_registry().specs("formats"):
        for flag, help in spec.flags.items():
            helps.setdefault(flag, help)
            where.setdefault(flag, []).append(spec.suffix)
    return {f: f"{helps[f]} ({', '.join(sorted(set(where[f])))} only)" for f in helps}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gansci", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("plugins", help="installed plugins and what they register").set_defaults(
        func=_cmd_plugins
    )
    for kind in (
        "recipes",
        "datasets",
        "metrics",
        "generators",
        "discriminators",
        "games",
        "losses",
        "penalties",
    ):
        sub.add_parser(kind, help=f"list {kind}").set_defaults(func=_listing(kind))

    def add_set(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a config field, e.g. train.steps=2000 (repeatable)",
        )
        q.add_argument("--no-validate", action="store_true", help="skip the validation report")

    def add_nproc(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--nproc",
            type=int,
            default=1,
            metavar="K",
            help="train one model in K processes on this machine (torchrun, DDP)",
        )

    q = sub.add_parser("run", help="train a recipe into a run folder")
    q.add_argument("recipe")
    q.add_argument("--out", type=Path, default=None, help="run folder (default: runs/...)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--device", default=None, help="auto | cpu | cuda")
    q.add_argument("--seeds", type=int, default=1, help="train seeds SEED .. SEED+N-1")
    q.add_argument(
        "--vectorize", action="store_true", help="train the seeds at once (small MLP games)"
    )
    q.add_argument(
        "--force", action="store_true", help="train into a non-empty --out, replacing a run there"
    )
    add_nproc(q)
    add_set(q)
    q.set_defaults(func=_cmd_run)

    q = sub.add_parser("resume", help="continue a run from its last checkpoint")
    q.add_argument("run_dir", type=Path)
    add_nproc(q)
    add_set(q)
    q.set_defaults(func=_cmd_resume)

    q = sub.add_parser("sample", help="write generated samples from a run")
    q.add_argument("run_dir", type=Path)
    q.add_argument("-n", type=int, default=None, help="number of samples")
    q.add_argument("-o", "--output", type=Path, required=True, help="file; suffix picks format")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument(
        "--from", dest="source", type=Path, default=None, help="translate this file's samples"
    )
    q.add_argument("--direction", default=None, help="A2B, B2A, ... (default: the first)")
    q.add_argument(
        "--standardized", action="store_true", help="in the model's units, not the data's"
    )
    q.add_argument("--force", action="store_true", help="overwrite the output file")
    flags = _format_flags()
    for flag, help in flags.items():
        q.add_argument(f"--{flag}", action="store_true", help=help)
    q.set_defaults(func=_cmd_sample, format_flags=list(flags))

    q = sub.add_parser("show", help="a recipe's full config, every default filled in, as TOML")
    q.add_argument("recipe")
    q.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a field"
    )
    q.set_defaults(func=_cmd_show)

    q = sub.add_parser("validate", help="domain metrics and report.md for a run")
    q.add_argument("run_dir", type=Path)
    q.add_argument(
        "--samples",
        type=Path,
        default=None,
        help="validate these samples instead; the report goes beside them (STEM.report.md)",
    )
    q.set_defaults(func=_cmd_validate)
    q = sub.add_parser(
        "check",
        help="judge any model's samples by a dataset's metrics (exit 3 when a target fails)",
    )
    q.add_argument("dataset", help="a dataset name (gansci datasets)")
    q.add_argument("--samples", type=Path, required=True, help="the samples; suffix picks format")
    q.add_argument(
        "--real", type=Path, default=None, help="your own real data (default: the held-out split)"
    )
    q.add_argument("--metrics", default=None, help="comma-separated (default: every one)")
    q.add_argument("-n", type=int, default=None, help="at most this many samples of each set")
    q.add_argument("--seed", type=int, default=0, help="seeds the metrics and --real's halving")
    q.add_argument(
        "--direction",
        default=None,
        help="translations (A2B): of the held-out inputs of A, in order (gansci export)",
    )
    q.add_argument(
        "--truth", type=Path, default=None, help="the translations' true partners, row by row"
    )
    q.add_argument("-o", "--output", type=Path, default=None, help="folder for report.md")
    q.add_argument("--force", action="store_true", help="write into a non-empty -o folder")
    q.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a dataset parameter"
    )
    q.set_defaults(func=_cmd_check)
    q = sub.add_parser(
        "export", help="write a dataset's held-out (or training) samples in their own units"
    )
    q.add_argument("dataset", help="a dataset name (gansci datasets)")
    q.add_argument("-o", "--output", type=Path, required=True, help="file; suffix picks format")
    q.add_argument("--split", default="test", choices=("test", "train"))
    q.add_argument("--view", default=None, help="the view, for data of several (A, B)")
    q.add_argument("-n", type=int, default=None, help="the first N samples (default: all)")
    q.add_argument("--force", action="store_true", help="replace an existing file")
    q.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a dataset parameter"
    )
    q.set_defaults(func=_cmd_export)
    q = sub.add_parser("plot", help="draw the training curves of a finished or running run")
    q.add_argument("run_dir", type=Path)
    q.set_defaults(func=_cmd_plot)
    for plugin, spec in get_registry().specs("commands"):
        if spec.name in sub.choices:
            log.warning("plugin %r: command %r is the core's; not added", plugin, spec.name)
            continue
        q = sub.add_parser(spec.name, help=f"{spec.description} [{plugin}]")
        spec.add_arguments(q)
        q.set_defaults(func=spec.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not sys.stderr.isatty():  # no progress bar there: periodic plain lines instead
        logging.getLogger("gansci.engine.trainer").setLevel(logging.INFO)
    try:
        status = args.func(args)
    except GansciError as exc:
        if distributed.is_main():  # every rank stops alike; one says why
            print(f"gansci: error: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        if not distributed.lost_peer(exc):
            raise
        first = str(exc).splitlines()[0][:200]
        print(
            f"gansci: error: process {distributed.rank()}: lost the others ({first})",
            file=sys.stderr,
        )
        return 1
    except BrokenPipeError:  # `gansci games | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a full disk, a read-only folder: the environment, not a bug
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"gansci: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gansci: interrupted; the last checkpoint is intact", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
