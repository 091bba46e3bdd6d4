"""``tp-course``: the command line of the course package (thin: the work lives in modules)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import TPError
from .profiles import check_profile_name, default_profile_name
from .runner import SOLUTION_NOTEBOOK


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import run_solution

    profile = check_profile_name(args.profile or default_profile_name())
    print(f"running {args.notebook} in the {profile} profile ...", flush=True)
    summary = run_solution(
        profile, Path(args.out), notebook=Path(args.notebook), timeout=args.timeout
    )
    print(f"executed notebook and summary.json written to {args.out}")
    print(
        f"untrained baseline: exact_match={summary.baseline_exact_match:.1f} "
        f"f1={summary.baseline_f1:.1f}; train_steps={summary.train_steps}"
    )
    print(summary.line())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    """Report the offline resources: what the offline profile would use, found and loadable."""
    from .profiles import get_profile

    profile = get_profile("offline")
    from datasets import load_dataset

    from .metrics import squad_metric_path

    print(profile)
    print(f"model: {profile.model_checkpoint}")
    splits = load_dataset(profile.dataset)
    rows = ", ".join(f"{name}={len(split)}" for name, split in splits.items())
    print(f"dataset: {profile.dataset} ({rows})")
    print(f"metric: {squad_metric_path()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tp-course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute the solution notebook and report EM/F1")
    run.add_argument(
        "--profile",
        help="full or offline (default: $TP_PROFILE, else offline if HF_HUB_OFFLINE=1, else full)",
    )
    run.add_argument("--out", default="runs/latest", help="folder for the executed notebook")
    run.add_argument("--notebook", default=str(SOLUTION_NOTEBOOK), help="notebook to run")
    run.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    run.set_defaults(func=_cmd_run)

    info = commands.add_parser("info", help="show the offline resources (model, dataset, metric)")
    info.set_defaults(func=_cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TPError as exc:
        print(f"tp-course: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
