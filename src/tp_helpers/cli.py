"""``tp-course``: the command line of the course package (thin: the work lives in modules)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import TPError
from .grading.platforms import LAYOUTS
from .profiles import check_profile_name, default_profile_name
from .runner import SOLUTION_NOTEBOOK


def _run_notebook(args: argparse.Namespace) -> Path:
    """The notebook ``tp-course run`` executes: ``--notebook``, or the lab named by ``--lab``
    (``solutions/<lab>.ipynb``), or TP7's."""
    if args.lab and args.notebook:
        raise TPError("pass --lab or --notebook, not both: --lab NAME runs solutions/NAME.ipynb.")
    if args.lab:
        return SOLUTION_NOTEBOOK.parent / f"{Path(args.lab).stem}.ipynb"
    return Path(args.notebook or SOLUTION_NOTEBOOK)


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import run_solution

    profile = check_profile_name(args.profile or default_profile_name())
    notebook = _run_notebook(args)
    print(f"running {notebook} in the {profile} profile ...", flush=True)
    summary = run_solution(profile, Path(args.out), notebook=notebook, timeout=args.timeout)
    print(f"executed notebook and summary.json written to {args.out}")
    if summary.baseline_exact_match is not None:
        print(
            f"untrained baseline: exact_match={summary.baseline_exact_match:.1f} "
            f"f1={summary.baseline_f1:.1f}; train_steps={summary.train_steps}"
        )
    else:
        print(f"train_steps={summary.train_steps}")
    print(summary.line())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    """Report the offline resources: what the offline profile would use, found and loadable.

    Every lab's offline dataset is built here: the grader shares the datasets that exist when a
    class run starts, and Gradescope's setup.sh runs this command to build them in its image.
    """
    from .profiles import DEFAULT_LAB, LAB_PROFILES, get_profile

    profile = get_profile("offline")
    from datasets import load_dataset

    from .metrics import squad_metric_path

    print(profile)
    print(f"model: {profile.model_checkpoint}")
    for lab in LAB_PROFILES:
        dataset = get_profile("offline", lab=lab).dataset
        splits = load_dataset(dataset)
        rows = ", ".join(f"{name}={len(split)}" for name, split in splits.items())
        label = "dataset" if lab == DEFAULT_LAB else f"dataset of {lab}"
        print(f"{label}: {dataset} ({rows})")
    print(f"metric: {squad_metric_path()}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    def progress(message: str) -> None:
        print(message, flush=True)

    result = build(
        args.root,
        check=args.check,
        references=args.references,
        timeout=args.timeout,
        log=progress,
    )
    print(result.report(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def _week(args: argparse.Namespace, graded: str = "", grades_dir: Path | None = None):
    """The course file and the adjustments in force (see docs/the-week-after-the-deadline.md),
    for the lab being graded (``graded``: the source's name) or that of the grades stored in
    ``grades_dir``; ``--lab`` only where neither decides it."""
    from .grading.model.store import load_results
    from .grading.week.final import load_week
    from .grading.week.labs import settle_lab

    week = load_week(
        Path(args.course) if args.course else None,
        Path(args.adjustments) if args.adjustments else None,
        args.lab or "",
    )
    several = week.course is not None and len(week.course.labs) > 1 and not week.lab
    results = load_results(grades_dir) if grades_dir and several and not graded else None
    settle_lab(week, graded=graded, results=results)
    return week


def _cmd_grade(args: argparse.Namespace) -> int:
    from .grading import default_source, grade_class, parse_shard
    from .grading.engine.policy import GIB, Limits
    from .grading.machine import default_jobs

    submissions = Path(args.submissions)
    source = Path(args.source) if args.source else default_source(submissions=submissions)
    week = _week(args, graded=source.stem)
    jobs = args.jobs
    if jobs is None:
        choice = default_jobs()
        jobs = choice.jobs
        print(f"tp-course: {choice.line()}", flush=True)
    else:
        print(f"tp-course: --jobs {jobs} (as given)", flush=True)
    run = grade_class(
        submissions,
        Path(args.out),
        source,
        jobs=jobs,
        batch=args.batch,
        layout=args.layout,
        shard=parse_shard(args.shard) if args.shard else None,
        timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        assignment=args.assignment,
        sandbox=args.sandbox,
        limits=Limits(memory=int(args.memory * GIB) or None, cpu=int(args.cpu_time) or None),
        week=week if week.active else None,
        only_students=args.student,
        only_exercises=[e.removeprefix("ex") for e in args.exercise or []],
    )
    print(run.line(), file=sys.stdout if run.ok else sys.stderr)
    return 0 if run.ok else 1


def _cmd_merge(args: argparse.Namespace) -> int:
    from .grading import merge

    print(merge([Path(d) for d in args.shard_dirs], Path(args.out)).line())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .grading.classrun import render

    week = _week(args, grades_dir=Path(args.grades_dir))
    results = render(Path(args.grades_dir), week)
    decided = []
    if week.course is not None:
        decided.append(f"course file {week.course.path}")
    if week.adjustments:
        decided.append(f"{len(week.adjustments)} adjustment(s) from {week.adjustments_path}")
    print(
        f"grades.csv, {len(results)} feedback page(s) and summary.html written in "
        f"{args.grades_dir} from the stored results"
        + (f" with the {' and '.join(decided)}" if decided else "")
        + "; nothing regraded"
    )
    return 0


def _cmd_similarity(args: argparse.Namespace) -> int:
    from .grading import default_source
    from .grading.similarity import similarity_report

    source = (
        Path(args.source) if args.source else default_source(submissions=Path(args.submissions))
    )
    result = similarity_report(
        Path(args.submissions),
        source,
        Path(args.out),
        common_share=args.common,
        layout=args.layout,
        assignment=args.assignment,
    )
    print(
        f"similarity: {len(result.students)} students, {len(result.pairs)} pair(s) share code "
        "beyond what the class has in common (evidence to review, not a finding): "
        f"{Path(args.out) / 'similarity.html'}"
    )
    return 0


def _cmd_flaky(args: argparse.Namespace) -> int:
    from .grading import default_source
    from .grading.flaky import SETTINGS, find_flaky

    source = Path(args.source) if args.source else default_source()
    handout = Path(args.handout) if args.handout else Path("notebooks") / source.name
    found = find_flaky(source, handout if handout.is_file() else None, progress=True)
    for flip in found:
        print(f"flaky: {flip.line(SETTINGS)}")
    print(f"{len(found)} verdict(s) changed over {len(SETTINGS)} settings")
    return 1 if found else 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .grading.classrun import render
    from .grading.platforms import PLATFORMS
    from .grading.platforms.export import export
    from .grading.platforms.moodle import submission_times

    platform = next(name for name in PLATFORMS if getattr(args, name))
    week = _week(args, grades_dir=Path(args.grades_dir))
    if args.moodle and week.course is not None:  # Moodle's download has no times: these
        week.submitted = submission_times(Path(args.moodle), week.course.zone_of_platform())
    if week.active:  # the pages and grades.csv say what the platform receives
        render(Path(args.grades_dir), week)
    source = args.canvas or args.moodle  # the platform's file (none for Blackboard)
    report = export(
        Path(args.grades_dir),
        platform,
        Path(args.out),
        source=Path(source) if source else None,
        column=args.column,
        missing=args.missing,
        scale=args.scale,
        feedback_zip=Path(args.feedback_zip) if args.feedback_zip else None,
        week=week if week.active else None,
    )
    for note in report.notes:
        print(f"note: {note}")
    print(report.line())
    return 0


def _cmd_gradescope(args: argparse.Namespace) -> int:
    from .grading import default_source
    from .grading.platforms.gradescope import build_autograder

    source = Path(args.source) if args.source else default_source()
    course = Path(args.course) if args.course else None
    if course is None and Path("course.toml").is_file():
        course = Path("course.toml")
    out = build_autograder(
        Path(args.out),
        source,
        project=Path(args.project) if args.project else None,
        wheel=Path(args.wheel) if args.wheel else None,
        time_limit=int(args.time_limit * 60),
        course=course,
    )
    print(f"wrote {out}: setup.sh, run_autograder, {source.name}, this package's wheel")
    if course is not None:
        print(
            f"{course}'s late rule for {source.stem} goes into each score, on Gradescope's "
            "submission times and due dates (grant extensions on Gradescope); "
            "docs/platforms.md, 'Late work on Gradescope'"
        )
    print(
        "next: Gradescope > Create Assignment > Programming Assignment; then Configure "
        f"Autograder > upload {out.name} > Update Autograder. In the assignment's Settings "
        f"raise the memory to 3 GB, the CPU to 1 and keep the timeout at {args.time_limit:g} "
        "minutes (README, 'Gradescope')."
    )
    return 0


def _week_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--course", help="the course file (default: course.toml in this folder, if any)"
    )
    command.add_argument(
        "--adjustments",
        help="the course team's adjustments (default: adjustments.csv beside the course file)",
    )
    command.add_argument(
        "--lab",
        help="the course file's [labs.NAME] to apply (default: the lab being graded, or that of "
        "the stored grades; needed only when neither decides it)",
    )


#: --source of the commands that read submissions (grade, similarity): classrun.default_source
SOURCE_FROM_SUBMISSIONS = (
    "solution notebook (default: the one in solutions/, or with several labs there, the one the "
    "submissions name)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tp-course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute the solution notebook and report EM/F1")
    run.add_argument(
        "--profile",
        help="full, cpu or offline (default: $TP_PROFILE, else offline if HF_HUB_OFFLINE=1, "
        "else full with a CUDA GPU, else cpu)",
    )
    run.add_argument("--out", default="runs/latest", help="folder for the executed notebook")
    run.add_argument(
        "--lab",
        help="the lab to run, by its notebook's name in solutions/ (tp7_qa, tp8_unanswerable); "
        "default: tp7_qa",
    )
    run.add_argument("--notebook", help=f"notebook to run (default: {SOLUTION_NOTEBOOK})")
    run.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    run.set_defaults(func=_cmd_run)

    info = commands.add_parser("info", help="show the offline resources (model, dataset, metric)")
    info.set_defaults(func=_cmd_info)

    build = commands.add_parser(
        "build", help="regenerate notebooks/ and the offline reference values from solutions/"
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="build into a temporary folder, write nothing; exit 1 if a committed file is stale",
    )
    build.add_argument("--root", default=".", help="course repository root (default: here)")
    build.add_argument(
        "--no-references",
        dest="references",
        action="store_false",
        help="skip running the solution notebooks (no reference-values files built or checked)",
    )
    build.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    build.set_defaults(func=_cmd_build)

    grade = commands.add_parser(
        "grade", help="autograde a folder of submissions: grades.csv, feedback/, summary.html"
    )
    grade.add_argument(
        "submissions",
        help="a Canvas, Moodle or Blackboard download (zip or folder), a folder of "
        "<student_id>.ipynb files, or an nbgrader submitted/ tree",
    )
    grade.add_argument("--out", required=True, help="output folder (resumable: re-run to go on)")
    grade.add_argument("--source", help=SOURCE_FROM_SUBMISSIONS)
    grade.add_argument(
        "--jobs",
        type=int,
        help="runs of student code at once (default: the cores this process may use, "
        "bounded by the memory available; the first line says what was chosen)",
    )
    grade.add_argument(
        "--student",
        action="append",
        help="grade only this student (repeat for several); everyone else's results are kept",
    )
    grade.add_argument(
        "--exercise",
        action="append",
        help="replace only this exercise's verdicts (repeat for several): after fixing a check",
    )
    _week_options(grade)
    grade.add_argument(
        "--batch",
        type=int,
        help="students per run of the source (default: 32); smaller batches save results "
        "sooner and hold fewer snapshots, larger ones run the source less often",
    )
    grade.add_argument("--shard", help="grade only slice I of N (I/N) of the sorted students")
    grade.add_argument(
        "--timeout",
        type=float,
        default=300,
        help="seconds allowed per cell or check (default: 300)",
    )
    grade.add_argument(
        "--notebook-timeout",
        type=float,
        help="seconds of runs allowed per student (default: no limit)",
    )
    grade.add_argument(
        "--assignment",
        help="assignment folder in an nbgrader submitted/ tree; for a Blackboard download "
        "without receipts, the assignment's name as its file names begin",
    )
    grade.add_argument(
        "--layout",
        choices=LAYOUTS,
        help="how SUBMISSIONS is laid out (default: recognised from its file names)",
    )
    grade.add_argument(
        "--memory",
        type=float,
        default=4,
        help="GiB of memory per run, on top of the zygote's state (default: 4; 0: none)",
    )
    grade.add_argument(
        "--cpu-time", type=float, default=3600, help="CPU seconds per run (default: 3600)"
    )
    grade.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="runs without namespaces or a private user (limits still apply)",
    )
    grade.set_defaults(func=_cmd_grade)

    report = commands.add_parser(
        "report",
        help="write grades.csv, the feedback pages and the summary again from the stored results, "
        "with the course file and the adjustments (nothing is regraded)",
    )
    report.add_argument("grades_dir", help="the --out folder of tp-course grade")
    _week_options(report)
    report.set_defaults(func=_cmd_report)

    similarity = commands.add_parser(
        "similarity", help="rank pairs of submissions by the code they share, exercise by exercise"
    )
    similarity.add_argument("submissions", help="what tp-course grade reads")
    similarity.add_argument("--out", required=True, help="folder of similarity.html and pairs.csv")
    similarity.add_argument("--source", help=SOURCE_FROM_SUBMISSIONS)
    similarity.add_argument("--layout", choices=LAYOUTS, help="how SUBMISSIONS is laid out")
    similarity.add_argument("--assignment", help="as for tp-course grade")
    similarity.add_argument(
        "--common",
        type=float,
        default=0.2,
        help="a fragment written alike by more than this share of the class (or more than 10 "
        "students) is common, not evidence (default: 0.2)",
    )
    similarity.set_defaults(func=_cmd_similarity)

    flaky = commands.add_parser(
        "flaky",
        help="grade the solution under several thread counts and seeds; name any check whose "
        "verdict changes",
    )
    flaky.add_argument("--source", help="solution notebook (default: the only one in solutions/)")
    flaky.add_argument("--handout", help="the student notebook (default: notebooks/<name>)")
    flaky.set_defaults(func=_cmd_flaky)

    merge = commands.add_parser("merge", help="merge the results of grade --shard runs")
    merge.add_argument("shard_dirs", nargs="+", help="the --out folders of the shards")
    merge.add_argument("--out", required=True, help="folder for the merged grades.csv")
    merge.set_defaults(func=_cmd_merge)

    export = commands.add_parser(
        "export", help="write the grades (and feedback zip) for Canvas, Moodle or Blackboard"
    )
    export.add_argument("grades_dir", help="the --out folder of tp-course grade")
    platform = export.add_mutually_exclusive_group(required=True)
    platform.add_argument(
        "--canvas", metavar="GRADEBOOK.csv", help="Canvas gradebook export (Grades → Export)"
    )
    platform.add_argument(
        "--moodle",
        metavar="WORKSHEET.csv",
        help="Moodle grading worksheet (Download grading worksheet), English or French",
    )
    platform.add_argument(
        "--blackboard", action="store_true", help="a Grade Center upload file (Work Offline)"
    )
    export.add_argument(
        "--column",
        help='Canvas: the assignment column, "TP7 (12345)"; Blackboard: a header copied from a '
        'Grade Center download, "TP7 |12345" with --scale (the column\'s points), or "TP7" (a '
        "new column, created as a Text column worth 0 points)",
    )
    export.add_argument("--out", required=True, help="file to write (never the input file)")
    export.add_argument(
        "--missing",
        choices=("blank", "zero"),
        default="blank",
        help="students of the gradebook or worksheet without a result: blank leaves their cell "
        "as it was (default), zero gives them 0",
    )
    export.add_argument(
        "--scale",
        type=float,
        help="points of a full score in the platform (default: the lab's maximum); must match "
        "the points the gradebook or worksheet declares",
    )
    export.add_argument(
        "--feedback-zip",
        metavar="FILE",
        help="also write each student's feedback page, named for the platform's bulk upload "
        "(Canvas, Moodle)",
    )
    _week_options(export)
    export.set_defaults(func=_cmd_export)

    gradescope = commands.add_parser(
        "gradescope", help="write the autograder zip of a Gradescope programming assignment"
    )
    gradescope.add_argument("--out", required=True, help="the zip to write (autograder.zip)")
    gradescope.add_argument(
        "--source", help="solution notebook (default: the only one in solutions/)"
    )
    gradescope.add_argument(
        "--time-limit",
        type=float,
        default=10,
        help="the autograder timeout set in Gradescope, minutes (default: 10, Gradescope's); "
        "grading stops half a minute before and says so",
    )
    gradescope.add_argument("--project", help="course repository to build the wheel from")
    gradescope.add_argument("--wheel", help="put this tp_helpers wheel in the zip, not a new one")
    gradescope.add_argument(
        "--course",
        help="the course file whose late rule the autograder applies (default: course.toml in "
        "this folder, if any)",
    )
    gradescope.set_defaults(func=_cmd_gradescope)
    return parser


#: modules of the `instructor` extra: without them, run/build/grade say how to install them
INSTRUCTOR_MODULES = {"nbclient", "nbformat", "nbgrader", "jupyter_client", "ipykernel", "psutil"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TPError as exc:
        print(f"tp-course: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        if exc.name not in INSTRUCTOR_MODULES:
            raise
        print(
            f"tp-course: error: `tp-course {args.command}` needs the course team's tools "
            f"({exc.name} is missing): pip install 'tp-helpers[instructor]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
