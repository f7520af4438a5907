"""The console script. `--help`, `-h`, `help`, `--version` and `version --client`, alone, are answered from text rendered
when the package was built (helptext.py, at every width click wraps to) without importing click, which alone takes ~3x
Python's own start-up; everything else runs cli.main (without the cyclic garbage collector).

The krew zipapp answers the same way before it touches its cache: krew/build.py copies the source of the definitions
EMBEDDED names into its __main__.py. So they use only os, sys and zlib, and no syntax an old python3 cannot compile
(that __main__.py must still run far enough to say that the Python is too old)."""

import gc
import os
import sys

ANSWERED = (["--help"], ["-h"], ["help"], ["--version"], ["version", "--client"])  # `version` alone asks the server


def help_width() -> int:
    """The width click's HelpFormatter would wrap to: the terminal's columns (COLUMNS first, as
    shutil.get_terminal_size reads them; 80 when stdout is no terminal) up to 110, minus 2."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns or 80, 110) - 2, 50)


def rendered(blob: bytes, index: int) -> str:
    """The help at one width, out of the blob helptext.py holds (zlib is built in: no click, no other import)."""
    import zlib

    return zlib.decompress(blob).decode().split("\0")[index]


def answer(args: list, version: str, first_width: int, blob: bytes) -> None:
    """Print the answer to `args` (one of ANSWERED) from helptext.py's values: the version, or the help at this width."""
    text = version if args[0].endswith("version") else rendered(blob, help_width() - first_width)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `kubectl reach --help | head -1`
        os._exit(0)


EMBEDDED = ("ANSWERED", "help_width", "rendered", "answer")  # what krew/build.py copies into the zipapp's __main__.py


def main() -> None:
    args = sys.argv[1:]
    if args in ANSWERED:
        from .helptext import FIRST_WIDTH, HELP, VERSION

        answer(args, VERSION, FIRST_WIDTH, HELP)
        return
    # One command is one short process whose data (decoded JSON, endpoints) holds no reference cycles: the cyclic
    # collector only re-walks the growing heap of a large LIST (reach -A over 50,000 pods: ~30% of the run, the
    # same peak memory without it; docs/performance.md).
    gc.disable()
    try:
        from .cli import main as run_cli
    except Exception as exc:  # a broken install (a module missing from the wheel): the one line run() would print
        broken_install(args, exc)
    run_cli()


def broken_install(args: list, exc: Exception) -> None:
    """cli.py could not be imported: say so as cli.run says an internal error (-v: with the traceback), exit 1."""
    from .argv import verbose
    from .errors import internal_error_line
    from .streams import Streams

    streams = Streams()
    if verbose(args):
        import traceback

        for line in traceback.format_exc().rstrip("\n").split("\n"):
            streams.warn(line)
    streams.warn(internal_error_line(exc))
    sys.exit(1)
