"""``tactful coach …``: analyse, review, score archives, train and evaluate from the shell."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from ._errors import CoachError
from ._lexicon import lexicon
from ._types import Finding, MessageAnalysis, ReplyReview, Span

DEFAULT_DATA = Path("../shared/data")
DEFAULT_EXAMPLES = Path("coach_examples")


def to_json(value: Any) -> str:
    """JSON that mirrors the dataclasses field for field."""
    return json.dumps(dataclasses.asdict(value), ensure_ascii=False, indent=2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tactful coach", description="The Tactful empathy coach.")
    sub = parser.add_subparsers(dest="command", required=True)

    analyze = sub.add_parser("analyze", help="read a customer message")
    analyze.add_argument("text")
    analyze.add_argument("--language", choices=["en", "es", "ru", "und"])
    analyze.add_argument("--json", action="store_true", help="print the MessageAnalysis as JSON")

    review = sub.add_parser("review", help="review a draft reply")
    review.add_argument("reply")
    review.add_argument("--customer", help="the customer message being answered")
    review.add_argument("--language", choices=["en", "es", "ru", "und"])
    review.add_argument("--json", action="store_true", help="print the ReplyReview as JSON")

    paraphrase = sub.add_parser("paraphrase", help="paraphrase a customer message")
    paraphrase.add_argument("text")
    paraphrase.add_argument("--language", choices=["en", "es", "ru", "und"])

    score = sub.add_parser("score", help="score an archive of messages or conversations")
    score.add_argument(
        "file", type=Path, nargs="?", help="JSONL or CSV input (Parquet too with --engine ray)"
    )
    score.add_argument(
        "--out",
        type=Path,
        required=True,
        help="JSONL output (appended to: resumable); with --engine ray, a name ending in"
        " .parquet is a folder of Parquet parts",
    )
    score.add_argument(
        "--workers", type=int, default=None, help="processes (local) or Ray workers (ray)"
    )
    score.add_argument("--language", choices=["en", "es", "ru", "und"])
    score.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local: processes on this machine (default); ray: a Ray cluster (tactful[ray])",
    )
    score.add_argument("--address", help="a running Ray cluster (default: start one here)")
    score.add_argument("--sql", help="score the rows of this query instead of a file (ray)")
    score.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL URL for --sql (default: $DATABASE_URL)",
    )

    train = sub.add_parser("train", help="train the heads from public data and own examples")
    train.add_argument("--data", type=Path, default=DEFAULT_DATA)
    train.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES)
    train.add_argument("--only", nargs="*", default=[])

    evaluate = sub.add_parser("eval", help="measure the coach and write docs/EVALUATION.md")
    evaluate.add_argument("--data", type=Path, default=DEFAULT_DATA)
    evaluate.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES)
    evaluate.add_argument("--out", type=Path, default=Path("docs/EVALUATION.md"))
    evaluate.add_argument(
        "--skip-research", action="store_true", help="skip the EPITOME research configuration"
    )
    return parser


def _highlight(text: str, spans: list[Span], *, color: bool) -> str:
    """The text with spans marked: ANSI reverse video on a terminal, [[…]] otherwise."""
    if not spans:
        return text
    opener, closer = ("\x1b[7m", "\x1b[0m") if color else ("[[", "]]")
    out, position = [], 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < position:
            continue
        out += [text[position : span.start], opener, text[span.start : span.end], closer]
        position = span.end
    out.append(text[position:])
    return "".join(out)


def render_analysis(analysis: MessageAnalysis, *, color: bool) -> str:
    words = lexicon(analysis.language).messages["report"]
    yes_no = {True: words["yes"], False: words["no"]}
    emotions = ", ".join(
        f"{k} {v:.2f}"
        for k, v in sorted(analysis.emotions.as_dict().items(), key=lambda kv: -kv[1])
    )
    lines = [
        f"{words['language']}: {analysis.language}",
        f"{words['emotions']}: {emotions}",
        f"{words['intensity']}: {analysis.intensity:.2f}",
        f"{words['formality']}: {analysis.formality}",
        f"{words['urgency']}: {yes_no[analysis.urgency.present]}   {words['abuse']}: {yes_no[analysis.abuse.present]}   "
        f"{words['threat']}: {yes_no[analysis.threat.present]}   {words['company_fault']}: {yes_no[analysis.company_fault.present]}",
        f"{words['questions']}: "
        + (" | ".join(analysis.text[s.start : s.end] for s in analysis.questions) or words["none"]),
        f"{words['key_sentences']}:",
        "  " + _highlight(analysis.text, list(analysis.key_sentences), color=color),
    ]
    lines += [f"  - {f.kind}: {f.message}" for f in analysis.findings]
    return "\n".join(lines)


def _finding_line(review: ReplyReview, finding: Finding) -> str:
    quoted = " / ".join(f"“{review.text[s.start : s.end]}”" for s in finding.spans[:3])
    return f"  [{finding.severity}] {finding.kind}: {finding.message}" + (
        f"  {quoted}" if quoted else ""
    )


def render_review(review: ReplyReview, *, color: bool) -> str:
    words = lexicon(review.language).messages["report"]
    spans = [s for f in review.findings for s in f.spans]
    lines = [
        _highlight(review.text, spans, color=color),
        "",
        f"{words['balance']}: {review.balance} — {review.balance_reason}",
        f"{words['mechanisms']}: emotional_reaction={review.emotional_reaction.level}, "
        f"interpretation={review.interpretation.level}, exploration={review.exploration.level}",
        f"{words['action']}: {words['yes'] if review.action.present else words['no']}   "
        f"{words['next_step']}: {words['yes'] if review.next_step.present else words['no']}",
        f"{words['rubric']}: Awareness {review.awareness.score}/5, Clarity {review.clarity.score}/5, "
        f"Empowerment {review.empowerment.score}/5 · Precision {review.precision.score}/5, "
        f"Empathy {review.empathy.score}/5",
        f"{words['findings']}:",
    ]
    lines += [_finding_line(review, f) for f in review.findings] or [f"  {words['none']}"]
    if review.suggestions:
        lines.append(f"{words['suggestions']}:")
        lines += [f"  - {s}" for s in review.suggestions]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    color = sys.stdout.isatty()
    try:
        if args.command == "analyze":
            from ._analyze import analyze_message

            analysis = analyze_message(args.text, language=args.language)
            print(to_json(analysis) if args.json else render_analysis(analysis, color=color))
        elif args.command == "review":
            from ._review import review_reply

            review = review_reply(
                args.reply, customer_message=args.customer, language=args.language
            )
            print(to_json(review) if args.json else render_review(review, color=color))
        elif args.command == "paraphrase":
            from ._paraphrase import paraphrase

            print(paraphrase(args.text, language=args.language))
        elif args.command == "score":
            summary = _score(args)
            print(json.dumps(summary, ensure_ascii=False))
            return 0
        elif args.command == "train":
            from ._train import train

            train(args.data, args.examples, only=args.only)
        elif args.command == "eval":
            from ._eval import evaluate

            evaluate(args.data, args.examples, args.out, research=not args.skip_research)
    except CoachError as error:
        print(f"tactful coach: error {error.code}: {error.message}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"tactful coach: {error}", file=sys.stderr)
        return 2
    return 0


def _score(args: argparse.Namespace) -> dict[str, Any]:
    if args.engine == "ray":
        from ._ray import score_with_ray

        return score_with_ray(
            args.file,
            args.out,
            address=args.address,
            workers=args.workers,
            language=args.language,
            sql=args.sql,
            database_url=args.database_url,
        )
    if args.sql or args.address:
        raise ValueError("--sql and --address need --engine ray")
    if args.file is None:
        raise ValueError("give the archive to score")
    from ._batch import score_file

    return dict(score_file(args.file, args.out, workers=args.workers or 1, language=args.language))
