"""The ``tactful`` console script: ``tactful coach …`` for the engine, ``demo``/``serve``/
``import``/``export`` for the desk."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the coach's or the desk's command line; imports stay lazy so each is fast."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(
            "usage: tactful {coach,demo,serve,manage,import,export} ...\n\n"
            "  coach   analyse messages, review replies, score archives, train, evaluate\n"
            "  demo    create a demo database with multilingual tickets and serve it\n"
            "  serve   serve a configured install (settings from the environment)\n"
            "  manage  run a Django management command\n"
            "  import  import another help desk's export (zendesk, freshdesk, helpscout, csv, "
            "jsonl)\n"
            "  export  export one customer's data, or the whole desk as JSON lines"
        )
        return 0
    command, rest = args[0], args[1:]
    if command == "coach":
        from tactful.coach._cli import main as coach_main

        return coach_main(rest)
    if command in {"demo", "serve", "manage", "import", "export"}:
        from tactful.desk import cli as desk_cli

        return int(desk_cli.run(command, rest))
    print(f"tactful: unknown command {command!r} (try 'tactful --help')", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
