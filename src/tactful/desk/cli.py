"""``tactful demo``, ``tactful serve`` and ``tactful manage``: the desk's command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings")
    import django

    django.setup()


def demo(argv: list[str]) -> int:
    """Create (once) a SQLite demo desk with multilingual tickets, print logins, serve it."""
    parser = argparse.ArgumentParser(prog="tactful demo", description=demo.__doc__)
    parser.add_argument(
        "--data-dir",
        help="where the demo database lives (default: $TACTFUL_DATA_DIR or a per-user directory)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="create the data and exit")
    args = parser.parse_args(argv)

    if args.data_dir:
        os.environ["TACTFUL_DATA_DIR"] = str(Path(args.data_dir).expanduser().resolve())
    import platformdirs

    data_dir = Path(os.environ.get("TACTFUL_DATA_DIR") or platformdirs.user_data_dir("tactful"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TACTFUL_DATA_DIR"] = str(data_dir)
    # The demo is self-contained: its own SQLite file, tasks in-process, nothing else needed.
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'demo.sqlite3'}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tactful.desk.settings"
    _setup_django()

    from django.core.management import call_command

    from tactful.desk import demo as demo_data

    print(f"Tactful demo — data in {data_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    if not demo_data.is_seeded():
        print(
            "Creating the demo desk: 69 tickets in English, Spanish and Russian, read by the coach…"
        )
        demo_data.seed_demo(out=sys.stdout)
    logins = demo_data.seed_demo()
    token = demo_data.demo_token()
    url = f"http://{args.host}:{args.port}/"
    print()
    print(f"  Open {url} and log in as:")
    print(f"    admin  {'admin':<8} / {logins['admin']}   (configures everything, Django admin)")
    print(f"    lead   {'lead':<8} / {logins['lead']}    (all three teams, team load)")
    print(
        f"    agent  {'agent':<8} / {logins['agent']}   (Billing and Shipping)\n"
        f"           {'ana':<8} / {logins['ana']}     (works in Spanish)\n"
        f"           {'boris':<8} / {logins['boris']}   (works in Russian)"
    )
    print(f"  API: {url}api/v1/docs  (token for admin: {token})")
    for line in demo_data.demo_tour(url):
        print(line)
    print()
    if args.no_serve:
        return 0
    # ASGI in this one process: pages and the live chat's WebSockets, with the in-memory
    # channel layer and in-process tasks (replies reach the visitor from this same process).
    import uvicorn

    uvicorn.run(
        "tactful.desk.asgi:application",
        host=args.host,
        port=args.port,
        log_level="info",
        lifespan="off",  # Django has no startup/shutdown hooks to run
        ws_max_size=64 * 1024,  # chat frames are small; refuse megabyte frames at the door
    )
    return 0


#: Database connections per web process (``TACTFUL_DATABASE_POOL_SIZE`` overrides it):
#: a request holds one only while it runs, so a few serve many concurrent requests.
WEB_DATABASE_POOL_SIZE = 10


#: gunicorn's ``--keep-alive`` for the web workers (see ``gunicorn_argv``).
KEEP_ALIVE_SECONDS = 65


def serve(argv: list[str]) -> int:
    """Serve a configured install: gunicorn with uvicorn workers (settings from the environment)."""
    parser = argparse.ArgumentParser(prog="tactful serve", description=serve.__doc__)
    parser.add_argument("--bind", default=os.environ.get("TACTFUL_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--migrate", action="store_true", help="apply migrations first")
    args = parser.parse_args(argv)
    os.environ.setdefault("TACTFUL_DATABASE_POOL_SIZE", str(WEB_DATABASE_POOL_SIZE))
    _setup_django()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False)
    from django.db import connections

    # gunicorn forks the workers from this process: no connection, and no pool with its
    # threads, may be inherited by them (each worker opens its own pool on first use).
    for connection in connections.all():
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    from django.conf import settings

    if "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"] and args.workers > 1:
        print(
            "tactful serve: live chat needs the Redis channel layer with more than one worker "
            "(set TACTFUL_CHANNELS_REDIS_URL); replies may miss visitors connected elsewhere.",
            file=sys.stderr,
        )
    from gunicorn.app.wsgiapp import run as gunicorn_run

    sys.argv = gunicorn_argv(bind=args.bind, workers=args.workers)
    gunicorn_run()
    return 0


def gunicorn_argv(*, bind: str, workers: int) -> list[str]:
    """gunicorn's command line for ``tactful serve``: uvicorn workers run the ASGI app.

    ASGI serves the pages and the live chat's WebSockets. With more than one worker (or
    Celery workers delivering replies) set TACTFUL_CHANNELS_REDIS_URL for the Redis layer.
    """
    return [
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        # An idle keep-alive connection is closed after this many seconds. gunicorn's 2 s made
        # a client that reused its connection after a pause race the close (the load test's
        # "connection reset" errors); load balancers that keep upstream connections (60 s idle
        # on AWS's, for one) need the server to keep them open longer than they do.
        "--keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--access-logfile",
        "-",
        "tactful.desk.asgi:application",
    ]


def manage(argv: list[str]) -> int:
    """Run a Django management command (``tactful manage migrate``, ``createsuperuser``…)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tactful manage", *argv])
    return 0


def import_export(command: str, argv: list[str]) -> int:
    """``tactful import …`` / ``tactful export …`` on a configured install."""
    _setup_django()
    from tactful.importing import cli as importing_cli

    if command == "import":
        return importing_cli.import_main(argv)
    return importing_cli.export_main(argv)


def run(command: str, argv: list[str]) -> int:
    """Entry point used by ``tactful.cli``."""
    if command in {"import", "export"}:
        return import_export(command, argv)
    commands = {"demo": demo, "serve": serve, "manage": manage}
    if command not in commands:
        print(f"tactful: unknown desk command {command!r}", file=sys.stderr)
        return 2
    return commands[command](argv)
