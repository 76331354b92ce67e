"""The human-facing files next to each synthesized workspace, rendered with jinja2: README.md (what it
creates, settings, idle cost, outputs, suppressions, how to run it by hand), backend.hcl and
terraform.tfvars.example. Deterministic: no timestamps, stable order."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from modules import diagram
from modules.settings.cost import budget_warning, count, idle_cost, total
from modules.settings.literal import literal
from modules.settings.loader import SECTIONS
from modules.settings.schema import describe
from modules.settings.waf import MANAGED_RULE_GROUPS, RATE_WINDOW_SECONDS, REDACTED_HEADERS
from modules.stack import REQUIRED_TERRAFORM, Stack

TEMPLATES = Path(__file__).resolve().parent / "templates"
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # Markdown and HCL, not HTML: values are escaped per target by the filters below
)


def hcl_value(value: object) -> str:
    """A value of the synthesized JSON as HCL: its strings are already Terraform templates (escaped where
    literal), written by ``hcl_string``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_hcl_key(key)} = {hcl_value(item)}" for key, item in sorted(value.items())) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(item) for item in value) + "]"
    return json.dumps(value)


def _hcl_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else hcl_string(literal(key))


def hcl_literal(value: object) -> str:
    """A plain value (a variable's default, text from an environment file) as an HCL value that Terraform
    reads back unchanged: quotes, backslashes and control characters escaped, ${ and %{ kept literal."""
    if isinstance(value, str):
        return hcl_string(literal(value))
    if isinstance(value, Mapping):
        pairs = (f"{_hcl_key(literal(key))} = {hcl_literal(item)}" for key, item in sorted(value.items()))
        return "{ " + ", ".join(pairs) + " }"
    return hcl_value(value)


# Inside an HCL quoted string, what stands for each character that cannot stand for itself (HCL's escapes:
# \n \r \t \" \\ and \uNNNN; JSON's \b and \f are not among them).
_QUOTED_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def template_parts(template: str) -> list[tuple[bool, str]]:
    """A Terraform template cut into (is an interpolation or directive, text): ``${...}`` and ``%{...}``
    (their own quoted strings and braces included) apart from the literal text between them, where the
    escapes ``$${`` and ``%%{`` stay as they are. ValueError on one that never closes."""
    parts: list[tuple[bool, str]] = []
    literal_text, index = [], 0
    while index < len(template):
        if template.startswith(("$${", "%%{"), index):
            literal_text.append(template[index : index + 3])
            index += 3
            continue
        if not template.startswith(("${", "%{"), index):
            literal_text.append(template[index])
            index += 1
            continue
        end, depth, quoted = index + 2, 1, False
        while depth and end < len(template):
            char = template[end]
            if quoted and char == "\\":
                end += 1
            elif char == '"':
                quoted = not quoted
            elif not quoted:
                depth += {"{": 1, "}": -1}.get(char, 0)
            end += 1
        if depth:
            raise ValueError(f"an interpolation that never closes: {template[index : index + 40]!r}")
        parts += [(False, "".join(literal_text)), (True, template[index:end])]
        literal_text, index = [], end
    return [part for part in [*parts, (False, "".join(literal_text))] if part[1]]


def hcl_string(template: str) -> str:
    """A Terraform template (a string of the synthesized JSON) as the HCL quoted string that means exactly
    the same: every character of its literal text that HCL escapes, escaped; its interpolations as written.
    The one way a string reaches an HCL file here; a value it cannot write is a ValueError."""
    out = ['"']
    for interpolation, text in template_parts(template):
        if interpolation:
            if _CONTROL.search(text):
                raise ValueError(f"an interpolation with a control character: {text[:40]!r}")
            out.append(text)
            continue
        for char in text:
            escaped = _QUOTED_ESCAPES.get(char)
            out.append(escaped or (f"\\u{ord(char):04x}" if _CONTROL.fullmatch(char) else char))
    return "".join(out) + '"'


def hcl_text(template: str) -> str:
    """``hcl_string``, or for text of several lines with no other control character than a tab, a heredoc
    (its template read the same way; backslashes are not escapes there) whose end marker is no line of the
    text, in ``chomp()`` when the text does not end with a line break."""
    if "\n" not in template or _CONTROL.search(template.replace("\n", "").replace("\t", "")):
        return hcl_string(template)
    template_parts(template)  # refuses an interpolation that never closes, as hcl_string does
    lines = {line.strip() for line in template.split("\n")}
    marker = next(f"EOT{number or ''}" for number in range(len(lines) + 1) if f"EOT{number or ''}" not in lines)
    if template.endswith("\n"):
        return f"<<{marker}\n{template}{marker}"
    return f"chomp(<<{marker}\n{template}\n{marker}\n)"


def markdown_code(value: object) -> str:
    """``value`` as inline code in a Markdown table cell: | escaped (GitHub tables split on it even inside
    code), a backtick fence longer than any run of backticks inside, line breaks as spaces."""
    text = re.sub(r"[\r\n]+", " ", str(value)).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


_environment.filters["md_code"] = markdown_code


def _settings(config: object) -> list[tuple[str, str]]:
    rows = []
    for section in SECTIONS:
        settings = getattr(config, section)
        for key, value in vars(settings).items():
            shown = (
                "(unset: derived)" if value is None else describe(dict(value) if isinstance(value, Mapping) else value)
            )
            rows.append((f"{section}.{key}", shown))
    return rows


def write_workspace_files(stack: Stack, stack_dir: Path) -> None:
    """Everything written next to a synthesized stack, from one rendering of its JSON form (the same
    document as cdk.tf.json, also when synthesis writes HCL)."""
    document = stack.to_terraform()
    render_workspace_files(stack, stack_dir, document)
    complete_hcl(stack_dir, document)
    write_versions(stack, stack_dir)


def write_versions(stack: Stack, stack_dir: Path) -> None:
    """``versions.tf``: the Terraform version every stack needs and what it forgets (removed blocks), in HCL
    beside cdk.tf.json (Terraform reads both): checkov's terraform_json parser cannot read them in JSON."""
    blocks = [
        "# Written by synthesis beside cdk.tf.json; Terraform reads both.\n"
        f'terraform {{\n  required_version = "{REQUIRED_TERRAFORM}" # S3 lockfile locking (use_lockfile)\n}}\n'
    ]
    blocks += [
        f"# Created by an earlier version of this stack: forgotten, never destroyed (README).\n"
        f"removed {{\n  from = {address}\n  lifecycle {{\n    destroy = false\n  }}\n}}\n"
        for address in sorted(stack.forgotten)
    ]
    (stack_dir / "versions.tf").write_text("\n".join(blocks), encoding="utf-8")


# cdktf's HCL renderer writes references in lifecycle and depends_on as strings ("aws_x.y.id"); HCL wants
# them bare: Terraform refuses a quoted replace_triggered_by reference and warns on the others.
_QUOTED_REFERENCES = re.compile(
    r"^(\s*(?:replace_triggered_by|ignore_changes|depends_on) = \[\n)((?:\s*\"[\w.\[\]]+\",?\n)+)", re.M
)


def _unquote_references(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).replace('"', "")


# A lifecycle's preconditions and postconditions, which the HCL renderer writes as a list attribute
# (``postcondition = [{...},]``) where HCL wants one block each.
_CONDITION_LIST = re.compile(
    r"^(\s*)(precondition|postcondition) = \[\n((?:\{\n(?:(?!\},?\n).*\n)*?\},?\n)+)\]\n", re.M
)
_CONDITION = re.compile(r"\{\n((?:(?!\},?\n).*\n)*?)\},?\n")


def _condition_blocks(match: re.Match[str]) -> str:
    indent, kind, items = match.groups()
    return "".join(f"{indent}{kind} {{\n{body}{indent}}}\n" for body in _CONDITION.findall(items))


# An attribute the provider bindings leave untyped (a web ACL rule's ``statement``: nested blocks too deep to
# generate), which the HCL renderer writes after this warning as an object (``statement = {``, lists of
# objects as ``name = [{...},]``) where the provider's schema has blocks.
_UNTYPED_WARNING = re.compile(
    r"^# Warning: The following attribute is of an unexpected type\..*?^# We understand this is not ideal.*?\n\n?",
    re.M | re.S,
)
_OBJECT = re.compile(r"(\w+) = \{")
_LIST = re.compile(r"(\w+) = \[")


def _untyped_as_blocks(text: str) -> str:
    """Every untyped attribute the renderer marked with its warning, as the blocks the schema has."""
    parts = _UNTYPED_WARNING.split(text)
    for index in range(1, len(parts)):
        lines = parts[index].split("\n")
        end = _as_blocks(lines)
        parts[index] = "\n".join([line for line in lines[:end] if line is not None] + lines[end:])
    return "".join(parts)


def _as_blocks(lines: list[Any]) -> int:
    """Rewrites the object attribute on the first line, nested ones included, as blocks (a list of objects as
    one block per object); lines to drop become None. Returns the index of the first line after it."""
    # Per open bracket: None for an object, the name of a list of objects, "" for a list of values (kept).
    open_: list[str | None] = []
    for number, line in enumerate(lines):
        obj, items = _OBJECT.fullmatch(line), _LIST.fullmatch(line)
        if obj:
            lines[number] = f"{obj[1]} {{"
            open_.append(None)
        elif items:
            of_objects = number + 1 < len(lines) and lines[number + 1] == "{"
            lines[number] = None if of_objects else line
            open_.append(items[1] if of_objects else "")
        elif line == "{" and open_ and open_[-1]:
            lines[number] = f"{open_[-1]} {{"
            open_.append(None)
        elif line in ("}", "},") and open_:
            lines[number] = "}"
            open_.pop()
        elif line in ("]", "],") and open_:
            lines[number] = None if open_.pop() else line
        if not open_:
            return number + 1
    raise ValueError("an untyped attribute of the HCL output never closes")


# How cdktf's HCL renderer writes a string: a line holding one quoted string (an attribute, a map entry, a
# list item) with the value between the quotes as it is, or with only its quotes escaped (in maps), never
# its backslashes; a value with a line break as a heredoc ``<<EOF`` that ends at the first line ``EOF``,
# even one of the value's own.
_RENDERED_HEREDOC = re.compile(r'^(?P<head>\s*(?:(?:"[^"\n]*"|[\w-]+)\s*=\s*)?)<<EOF$')
_RENDERED_STRING = re.compile(r'^(?P<head>\s*(?:(?:"[^"\n]*"|[\w-]+)\s*=\s*)?)"(?P<body>.*)"(?P<tail>,?)$')
_HEREDOC_END = "\nEOF"


def _strings(value: object) -> set[str]:
    """Every string value in a JSON document (not its keys)."""
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    return set().union(*(_strings(item) for item in items))


def _rendered_heredoc_value(text: str, start: int, multi_line: list[tuple[str, str]]) -> tuple[str, int]:
    """The string of the stack whose heredoc body starts at ``start`` (the longest that fits), and the length
    of that body as rendered."""
    for form, value in multi_line:
        end = start + len(form) + len(_HEREDOC_END)
        if text.startswith(form + _HEREDOC_END, start) and (end == len(text) or text[end] == "\n"):
            others = {other for other_form, other in multi_line if other_form == form} - {value}
            if others:
                break  # two values the renderer wrote alike
            return value, len(form)
    line = text.count("\n", 0, start)
    raise ValueError(f"line {line} of the rendered HCL opens a heredoc that holds no string of the stack, or two")


def _strings_rewritten(text: str, document: Mapping[str, Any]) -> str:
    """Every string the renderer wrote, written again by ``hcl_text`` from the JSON document's own value: a
    value can no longer end its heredoc early (and leave the rest of itself to be read as code), nor lose a
    backslash, a quote or a carriage return. A heredoc that holds none of the stack's strings, or a line with
    a backslash or control character in a string that is none of them, is a ValueError: what cannot be
    checked is not written."""
    strings = _strings(dict(document))
    multi_line = sorted(  # (as rendered: a carriage return becomes a line break, value), longest first
        {(re.sub(r"\r\n?", "\n", value), value) for value in strings if "\n" in value or "\r" in value},
        key=lambda pair: (-len(pair[0]), pair),
    )
    rendered: dict[str, set[str]] = {}  # what the renderer may have written -> the values it may stand for
    for value in strings:
        for form in (value, value.replace('"', '\\"')):
            rendered.setdefault(form, set()).add(value)
    out, position = [], 0
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        line = text[position:end]
        heredoc, quoted = _RENDERED_HEREDOC.match(line), _RENDERED_STRING.match(line)
        if heredoc:
            value, length = _rendered_heredoc_value(text, end + 1, multi_line)
            out.append(heredoc["head"] + hcl_text(value))
            end = end + 1 + length + len(_HEREDOC_END)
        elif quoted and len({hcl_string(value) for value in rendered.get(quoted["body"], ())}) == 1:
            out.append(quoted["head"] + hcl_string(next(iter(rendered[quoted["body"]]))) + quoted["tail"])
        elif quoted and ("\\" in quoted["body"] or _CONTROL.search(quoted["body"])):
            line_number = text.count("\n", 0, position) + 1
            raise ValueError(
                f"line {line_number} of the rendered HCL holds a string that is not one of the stack's (or "
                f"could be two of them): {line[:80]!r}"
            )
        else:
            out.append(line)
        position = end + 1
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _with_defaults(text: str, variables: Mapping[str, Any]) -> str:
    """``text`` with every variable default of the JSON form that the HCL renderer left out put back."""
    lines = text.split("\n")
    for name, spec in sorted(variables.items()):
        if "default" not in spec:
            continue
        start = lines.index(f'variable "{name}" {{')
        depth, end = 1, start
        while depth:  # cdktf's HCL is not indented: nesting is told by the braces that end each line
            end += 1
            depth += lines[end].rstrip().endswith("{") - (lines[end].strip() == "}")
        if not any(line.startswith("default = ") for line in lines[start:end]):
            lines.insert(start + 1, f"default = {hcl_value(spec['default'])}")
    return "\n".join(lines)


def complete_hcl(stack_dir: Path, document: dict[str, Any]) -> None:
    """``cdktf synth --hcl`` leaves out the blocks its HCL renderer does not know (``ephemeral``):
    write them to ``ephemeral.tf`` so the HCL workspace is as complete as the JSON one; and it quotes
    lifecycle and depends_on references, which HCL takes bare; it writes lifecycle conditions as a list
    attribute, where HCL wants blocks, and so an attribute the bindings leave untyped (a web ACL rule's
    statement); it writes strings as they are, between quotes or in a heredoc that a value can end
    (``_strings_rewritten`` writes each again); and it drops a
    variable's empty default (``default = \"\"``), which turns an optional variable into a required one."""
    hcl = stack_dir / "cdk.tf"
    if not hcl.exists():
        return
    text = _strings_rewritten(hcl.read_text(encoding="utf-8"), document)
    text = _QUOTED_REFERENCES.sub(_unquote_references, text)
    text = _untyped_as_blocks(_CONDITION_LIST.sub(_condition_blocks, text))
    hcl.write_text(_with_defaults(text, document.get("variable", {})), encoding="utf-8")
    blocks = []
    for kind, named in sorted(document.get("ephemeral", {}).items()):
        for name, body in sorted(named.items()):
            attributes = "".join(f"  {key} = {hcl_value(value)}\n" for key, value in sorted(body.items()))
            blocks.append(f'ephemeral "{kind}" "{name}" {{\n{attributes}}}\n')
    if blocks:
        (stack_dir / "ephemeral.tf").write_text("\n".join(blocks), encoding="utf-8")


def _architecture(document: dict[str, Any]) -> dict[str, Any]:
    """The README's architecture diagram (modules/diagram.py), drawn from the stack's own resources."""
    return {"diagram": diagram.mermaid(document)}


def _waf(stack: Stack, config: Any) -> dict[str, Any] | None:
    """[waf]: the web ACL in front of the service, for the README; None when the environment has none."""
    web_acl = getattr(stack, "waf", None)
    if web_acl is None:
        return None
    return {
        "name": web_acl.name,
        "scope": web_acl.scope,
        "region": web_acl.region,
        "own_key": web_acl.own_key,
        "log_group": web_acl.log_group_name,
        "rate_limit": config.waf.rate_limit,
        "minutes": RATE_WINDOW_SECONDS // 60,
        "groups": MANAGED_RULE_GROUPS,
        "redacted": REDACTED_HEADERS,
    }


def render_workspace_files(stack: Stack, stack_dir: Path, document: dict[str, Any]) -> None:
    backend = document.get("terraform", {}).get("backend", {}).get("s3")
    variables = [
        {
            "name": name,
            "description": spec.get("description", ""),
            "default": spec.get("default", ""),
            "default_hcl": hcl_literal(spec.get("default", "")),
        }
        for name, spec in sorted(document.get("variable", {}).items())
    ]
    config = getattr(stack, "config", None)
    cost = idle_cost(config, count(document)) if config else []
    warning = budget_warning(config, cost) if config else None
    if warning:
        stack.warnings.append(warning)
    context = {
        "stack": stack.node.id,
        "source": f"environments/{config.source.name}" if config else None,
        "backend": backend,
        "variables": variables,
        "resource_counts": sorted((kind, len(blocks)) for kind, blocks in document.get("resource", {}).items()),
        "settings": _settings(config) if config else [],
        "cost": cost,
        "cost_total": total(cost),
        "budget": config.budget.monthly_usd if config else None,
        "outputs": sorted((name, spec.get("description", "")) for name, spec in document.get("output", {}).items()),
        "suppressions": stack.suppressions,
        "network": config.network if config else None,
        "app": config.app if config else None,
        "prefix": config.environment.prefix if config else None,
        "waf": _waf(stack, config),
    }
    context.update(_architecture(document))
    files = {"README.md": "README.md.j2"}
    if backend:
        files["backend.hcl"] = "backend.hcl.j2"
        context["backend_lines"] = [(key, hcl_value(value)) for key, value in sorted(backend.items())]
    if variables:
        files["terraform.tfvars.example"] = "terraform.tfvars.example.j2"
    for name, template in files.items():
        (stack_dir / name).write_text(_environment.get_template(template).render(**context), encoding="utf-8")
