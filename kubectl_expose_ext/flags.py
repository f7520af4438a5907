"""Command-line flags, declared once. A flag is a field of its command's Options dataclass made with `flag(...)`: the
field's name is where its value goes, its default is the flag's, and the declaration holds the spellings, the help,
the metavar, the completion values (completion.VALUES) and the click type. The click options (`click_options`), the
flag table in docs/usage.md (cli.flags_markdown), --help, completion and `given()` all read these fields, so a flag
shared by two commands is declared once, in a dataclass both Options classes inherit (`Selection`, `WriteFlags`).
"""

import dataclasses
from typing import Any, Callable, Iterator, Optional, Tuple

import click


@dataclasses.dataclass(frozen=True)
class FlagSpec:
    names: Tuple[str, ...]
    help: str
    metavar: Optional[str] = None
    values: Optional[str] = None  # the completion.VALUES entry that completes it
    show_default: bool = False
    type: Any = None  # a click type (click.Path(), click.IntRange(0, 10)); None: a string


class Valued(click.Option):
    """An option whose values completion offers: `values` names an entry of completion.VALUES (output formats,
    namespaces, contexts...). kubectl_complete-reach and click's bash/zsh/fish scripts both ask it."""

    def __init__(self, *args: Any, values: str, **kwargs: Any) -> None:
        self.values = values
        super().__init__(*args, shell_complete=self._complete, **kwargs)

    def _complete(self, ctx: Any, param: Any, incomplete: str) -> list:
        from .completion import click_values

        return click_values(self.values, ctx, incomplete)


def flag(*names: str, help: str, default: Any = None, metavar: Optional[str] = None, values: Optional[str] = None,
         show_default: bool = False, type: Any = None) -> Any:
    """A dataclass field that is a flag. `default` False: an on/off flag; a tuple: a repeatable one."""
    return dataclasses.field(default=default, metadata={"flag": FlagSpec(names, help, metavar, values, show_default,
                                                                         type)})


def declared(options: Any) -> Iterator[Tuple[dataclasses.Field, FlagSpec]]:
    """(field, flag) for every flag of an Options class or instance, in declaration order (base classes first)."""
    for item in dataclasses.fields(options):
        spec = item.metadata.get("flag")
        if spec is not None:
            yield item, spec


def given(options: Any) -> Tuple[str, ...]:
    """The names of the flags set on the command line: those whose value is not their default."""
    return tuple(item.name for item, _ in declared(options) if getattr(options, item.name) != item.default)


def click_options(*classes: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator declaring, on a click command, the flags of these Options classes (their values arrive as keyword
    arguments named as the fields)."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        options = [(item, spec) for cls in classes for item, spec in declared(cls)]
        for item, spec in reversed(options):
            kwargs: dict = {"help": spec.help, "default": item.default, "show_default": spec.show_default}
            if item.default is False:
                kwargs["is_flag"] = True
            elif isinstance(item.default, tuple):
                kwargs["multiple"] = True
            if spec.metavar:
                kwargs["metavar"] = spec.metavar
            if spec.type is not None:
                kwargs["type"] = spec.type
            if spec.values:
                kwargs.update(cls=Valued, values=spec.values)
            command = click.option(*spec.names, item.name, **kwargs)(command)
        return command
    return decorate
