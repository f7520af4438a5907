"""The console script. `--help`, `-h`, `help`, `--version` and `version --client`, alone, are answered from text rendered
when the package was built (helptext.py) without importing click, which alone takes ~3x Python's own start-up;
everything else, and a terminal width the text was not rendered for, runs cli.main (without the cyclic garbage
collector)."""

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


def main() -> None:
    args = sys.argv[1:]
    if args in ANSWERED:
        from .helptext import HELP, VERSION

        text = VERSION if args[0].endswith("version") else HELP.get(help_width())
        if text is not None:
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except BrokenPipeError:  # `kubectl reach --help | head -1`
                os._exit(0)
            return
    # One command is one short process whose data (decoded JSON, endpoints) holds no reference cycles: the cyclic
    # collector only re-walks the growing heap of a large LIST (reach -A over 50,000 pods: ~30% of the run, the
    # same peak memory without it; docs/performance.md).
    gc.disable()
    from .cli import main as run_cli

    run_cli()
