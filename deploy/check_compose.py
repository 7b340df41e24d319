#!/usr/bin/env python3
"""Structural checks of the docker-compose topology, runnable without a Docker engine.

    python3 deploy/check_compose.py                  # the repository's files (part of `make test`)
    python3 deploy/check_compose.py --env-file .env  # also an operator's real settings

Python 3.11 standard library only. docker-compose.yml is read by a small, strict YAML-subset
parser defined below (block mappings and sequences, quoted and plain scalars, flow sequences of
scalars, comments); anything outside that subset is reported as an error, never guessed at.
When PyYAML happens to be installed, its reading of the file is compared with ours.

What it checks, from the files in the repository:

* the compose file: the six services, their commands, healthchecks, `depends_on` (targets exist,
  have a healthcheck, wait for `service_healthy`), published ports (only the dashboard/API and
  Mailpit's UI; analytics-service stays internal), volumes and bind-mount sources;
* configuration against the Rust sources: every variable a binary service sets is read by that
  binary (a clap `env = "..."` in its crate, or a variable its code reads such as RUST_LOG),
  every variable the binary requires without a default is provided, including the rules the
  code enforces at start-up (the database URL of analytics-service, ANALYTICS_API_TOKEN beyond
  loopback, EBAY_BASE_URL for the mock, eBay keys otherwise), each rule tied to the message in
  the source so a changed rule shows up here as stale;
* consistency, evaluated for the compose defaults, for .env.example and for the switch to the
  real eBay (EBAY_ENV=production, keys, EBAY_BASE_URL empty): services listen on 0.0.0.0, the
  published port is ALERTS_LISTEN's port and PUBLIC_URL's, ANALYTICS_URL reaches ANALYTICS_LISTEN,
  EBAY_BASE_URL reaches ebay-mock's EBAY_MOCK_LISTEN (only in mock mode), the healthchecks probe
  the listen ports, database URLs name databases the Postgres init script creates, both services
  share Redis, transport, key prefix and API token;
* the Dockerfile: stages and base images, `npm ci && npm run build`, the cargo command, that
  every local path it copies exists and is not excluded by .dockerignore, that every workspace
  member is copied, a non-root runtime user, curl for the healthchecks, one target per binary
  that installs that binary in /usr/local/bin (and the dashboard at /app/frontend/dist);
* .env.example: every variable documented by a comment and used somewhere (compose or a
  binary), every variable compose interpolates documented there, secrets shipped empty;
* the image entry point really removes empty variables (it is run here with `sh`).

* that the file stays readable by docker-compose 1.29 (no top-level `name:`, the short
  `env_file` form), which `scripts/compose-test.sh` runs it with;
* the all-in-one target `ebay-alerts`: binary, dashboard, /data volume, listen address.

What it cannot prove without a Docker engine: that the images build (npm and cargo inside the
builder, network access to registries), that the pinned third-party images exist and contain
what the healthchecks call (pg_isready, redis-cli, /mailpit), that the containers start, that
migrations succeed against Postgres, and that the healthchecks actually turn healthy: that is
`scripts/compose-test.sh` (`make compose-test`), which runs all of it on podman. It also does
not run `docker compose config`: the interpolation rules of Compose are re-implemented here.

Prints one PASS/FAIL line per check, ends with `N passed, M failed`, exits 1 on any failure.
"""

import argparse
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE_DEFAULT = "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
ENTRYPOINT_SCRIPT = ROOT / "deploy" / "docker-entrypoint.sh"

LIMITS = (
    "Not proven without a Docker engine: that the images build, that the pinned images exist and "
    "contain pg_isready/redis-cli/mailpit, that the containers start and migrate, and that the "
    "healthchecks turn healthy (`make compose-test` proves those on a real engine)."
)

#: Compose service -> Rust crate whose sources define the binary's settings.
BINARIES = {
    "alerts-service": "alerts-service",
    "analytics-service": "analytics-service",
    "ebay-mock": "ebay-mock",
}
#: The all-in-one image's Dockerfile target and binary (the `standalone` crate).
ALL_IN_ONE = "ebay-alerts"
#: Every service the topology must have (DESIGN §2, issue #8).
REQUIRED_SERVICES = ["postgres", "redis", "mailpit", "ebay-mock", "alerts-service", "analytics-service"]
#: The command each binary service runs (DESIGN §5).
COMMANDS = {
    "alerts-service": ["alerts-service", "serve"],
    "analytics-service": ["analytics-service", "serve"],
    "ebay-mock": ["ebay-mock"],
}
#: Health endpoint of each binary, and the source text that defines it.
HEALTH_PATHS = {
    "alerts-service": ("/healthz", "alerts-service/src/routes/health.rs", '#[get("/healthz")]'),
    "analytics-service": ("/healthz", "analytics-service/src/routes/health.rs", '"/healthz"'),
    "ebay-mock": ("/", "ebay-mock/src/routes/mod.rs", 'cfg.route("/", web::get().to(health))'),
}
#: Variable holding each binary's listen address.
LISTEN_VARS = {
    "alerts-service": "ALERTS_LISTEN",
    "analytics-service": "ANALYTICS_LISTEN",
    "ebay-mock": "EBAY_MOCK_LISTEN",
}
#: Services that must not publish any port.
UNPUBLISHED = ["postgres", "redis", "analytics-service", "ebay-mock"]
MAILPIT_SMTP_PORT = 1025
MAILPIT_UI_PORT = 8025
POSTGRES_PORT = 5432
REDIS_PORT = 6379
DASHBOARD_DIR = "/app/frontend/dist"
#: The client id alerts-service uses with the mock when no keys are set.
MOCK_PLACEHOLDER_ID = ("alerts-service/src/config.rs", '"ebay-alerts-dev"', "ebay-alerts-dev")
#: Variables Compose itself reads from .env (not interpolated, not passed to a binary).
COMPOSE_OWN_VARS = {"COMPOSE_PROJECT_NAME"}
#: Top-level keys docker-compose 1.29 accepts (`name:` is Compose v2 only).
TOP_LEVEL_KEYS = {"version", "services", "volumes", "networks", "secrets", "configs"}
#: Values both services must agree on for events and the read API to work.
SHARED_EXACT = ["REDIS_URL", "PUBSUB_TRANSPORT", "REDIS_KEY_PREFIX", "ANALYTICS_API_TOKEN", "PUBLIC_URL"]


# ---------------------------------------------------------------------------------------------
# Report


class Report:
    """Collects PASS/FAIL lines and prints them as they come."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def section(self, title: str) -> None:
        print(f"\n[{title}]")

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  PASS {name}")
        else:
            self.failed += 1
            print(f"  FAIL {name}" + (f": {detail}" if detail else ""))
        return ok

    def skip(self, name: str, why: str) -> None:
        print(f"  SKIP {name}: {why}")

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"


# ---------------------------------------------------------------------------------------------
# A strict YAML subset


class YamlSubsetError(ValueError):
    """The text uses YAML this parser does not read (or is not YAML at all)."""

    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(f"line {lineno}: {message}")


@dataclass
class _Line:
    lineno: int
    indent: int
    text: str


def _strip_comment(raw: str, lineno: int) -> str:
    """The line without its comment: `#` at the start or after a space, outside quotes."""
    quote = ""
    i = 0
    while i < len(raw):
        c = raw[i]
        if quote == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = ""
        elif quote == "'":
            if c == "'":
                if raw[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                quote = ""
        elif c in "\"'" and (i == 0 or raw[i - 1] in " [,:-"):
            quote = c
        elif c == "#" and (i == 0 or raw[i - 1] in " \t"):
            return raw[:i].rstrip()
        i += 1
    if quote:
        raise YamlSubsetError(lineno, "unterminated quoted string (multi-line scalars are not supported)")
    return raw.rstrip()


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.\-/]+")


def _split_entry(text: str, lineno: int) -> tuple[str, str] | None:
    """`key: rest` -> (key, rest); None when the text is not a mapping entry."""
    if text[0] in "\"'":
        value, end = _quoted(text, 0, lineno)
        rest = text[end:]
        if rest == ":" or rest.startswith(": "):
            return value, rest[1:].strip()
        return None
    m = re.match(r"([^\s:\[\]{},#&*!|>'\"%@`][^:]*?):(?: +(.*)|$)", text)
    if not m:
        return None
    key = m.group(1)
    if not _PLAIN_KEY.fullmatch(key):
        raise YamlSubsetError(lineno, f"mapping key {key!r} is outside the supported subset")
    return key, (m.group(2) or "").strip()


def _quoted(text: str, start: int, lineno: int) -> tuple[str, int]:
    """Reads a quoted scalar at text[start]; returns (value, index after the closing quote)."""
    q = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if q == "'":
            if c == "'":
                if text[i + 1 : i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                return "".join(out), i + 1
            out.append(c)
            i += 1
            continue
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            esc = text[i + 1 : i + 2]
            simple = {"\\": "\\", '"': '"', "/": "/", "n": "\n", "t": "\t", "r": "\r", "0": "\0", " ": " "}
            if esc in simple:
                out.append(simple[esc])
                i += 2
                continue
            if esc == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            raise YamlSubsetError(lineno, f"unsupported escape \\{esc} in a double-quoted string")
        out.append(c)
        i += 1
    raise YamlSubsetError(lineno, "unterminated quoted string")


def _plain(text: str, lineno: int) -> Any:
    """A plain scalar with the YAML 1.2 core schema's types (compose reads them the same way)."""
    if not text:
        raise YamlSubsetError(lineno, "empty value in a flow sequence")
    if text[0] in "{&*!|>%@`":
        raise YamlSubsetError(lineno, f"{text[:1]!r} (flow mappings, anchors, aliases, tags, block scalars) is not supported")
    if text.startswith("- ") or text == "-":
        raise YamlSubsetError(lineno, "a sequence cannot start inline here")
    if ": " in text or text.endswith(":"):
        raise YamlSubsetError(lineno, f"ambiguous plain scalar {text!r}: quote it")
    if text in ("null", "Null", "NULL", "~"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", text):
        return float(text)
    if text.lower() in ("yes", "no", "on", "off", "y", "n"):
        raise YamlSubsetError(lineno, f"{text!r} means a boolean to some YAML readers: quote it or use true/false")
    return text


def _flow_sequence(text: str, lineno: int) -> list[Any]:
    if not text.endswith("]"):
        raise YamlSubsetError(lineno, "a flow sequence must end the line")
    items: list[Any] = []
    i = 1
    body_end = len(text) - 1
    while True:
        while i < body_end and text[i] == " ":
            i += 1
        if i >= body_end:
            break
        if text[i] in "\"'":
            value, i = _quoted(text, i, lineno)
            items.append(value)
        elif text[i] in "[{":
            raise YamlSubsetError(lineno, "nested flow collections are not supported")
        else:
            j = i
            while j < body_end and text[j] != ",":
                j += 1
            items.append(_plain(text[i:j].strip(), lineno))
            i = j
        while i < body_end and text[i] == " ":
            i += 1
        if i < body_end:
            if text[i] != ",":
                raise YamlSubsetError(lineno, f"expected ',' in flow sequence at column {i + 1}")
            i += 1
    return items


def _value(text: str, lineno: int) -> Any:
    if text[0] in "\"'":
        value, end = _quoted(text, 0, lineno)
        if end != len(text):
            raise YamlSubsetError(lineno, f"unexpected text after a quoted scalar: {text[end:]!r}")
        return value
    if text.startswith("["):
        return _flow_sequence(text, lineno)
    return _plain(text, lineno)


def parse_yaml_subset(source: str) -> Any:
    """Parses the subset of YAML docker-compose.yml is written in; raises YamlSubsetError."""
    lines: list[_Line] = []
    for lineno, raw in enumerate(source.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        if stripped.startswith("\t") or ("\t" in raw[: len(raw) - len(stripped) + 1] and stripped):
            raise YamlSubsetError(lineno, "tabs are not allowed in indentation")
        text = _strip_comment(stripped, lineno)
        if not text:
            continue
        if text in ("---", "...") or text.startswith("%"):
            raise YamlSubsetError(lineno, "document markers and directives are not supported")
        lines.append(_Line(lineno, len(raw) - len(stripped), text))
    if not lines:
        return None

    def node(i: int, indent: int) -> tuple[Any, int]:
        if lines[i].text == "-" or lines[i].text.startswith("- "):
            return sequence(i, indent)
        return mapping(i, indent)

    def nested(i: int, indent: int) -> tuple[Any, int]:
        """The block under lines[i] (a `key:` or a `-` line), or None when there is none."""
        if i + 1 < len(lines) and lines[i + 1].indent > indent:
            return node(i + 1, lines[i + 1].indent)
        return None, i + 1

    def mapping(i: int, indent: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        while i < len(lines) and lines[i].indent == indent:
            line = lines[i]
            if line.text == "-" or line.text.startswith("- "):
                raise YamlSubsetError(line.lineno, "sequence item where a mapping key was expected")
            entry = _split_entry(line.text, line.lineno)
            if entry is None:
                raise YamlSubsetError(line.lineno, f"expected `key: value`, got {line.text!r}")
            key, rest = entry
            if key in result:
                raise YamlSubsetError(line.lineno, f"duplicate key {key!r}")
            if rest:
                result[key] = _value(rest, line.lineno)
                i += 1
            else:
                result[key], i = nested(i, indent)
        if i < len(lines) and lines[i].indent > indent:
            raise YamlSubsetError(lines[i].lineno, "unexpected indentation")
        return result, i

    def sequence(i: int, indent: int) -> tuple[list[Any], int]:
        result: list[Any] = []
        while i < len(lines) and lines[i].indent == indent:
            line = lines[i]
            if line.text == "-":
                value, i = nested(i, indent)
                result.append(value)
                continue
            if not line.text.startswith("- "):
                raise YamlSubsetError(line.lineno, "mapping key where a sequence item was expected")
            rest = line.text[2:]
            column = indent + 2 + (len(rest) - len(rest.lstrip(" ")))
            rest = rest.lstrip(" ")
            if rest.startswith("- ") or rest == "-":
                raise YamlSubsetError(line.lineno, "nested inline sequences are not supported")
            if _split_entry(rest, line.lineno) is not None:
                # `- key: value` starts a mapping whose further keys sit at the column of `key`.
                lines[i] = _Line(line.lineno, column, rest)
                value, i = mapping(i, column)
                result.append(value)
            else:
                result.append(_value(rest, line.lineno))
                i += 1
        if i < len(lines) and lines[i].indent > indent:
            raise YamlSubsetError(lines[i].lineno, "unexpected indentation")
        return result, i

    if lines[0].indent != 0:
        raise YamlSubsetError(lines[0].lineno, "the document must start at column 1")
    document, end = node(0, 0)
    if end != len(lines):
        raise YamlSubsetError(lines[end].lineno, "unexpected dedent or content")
    return document


# ---------------------------------------------------------------------------------------------
# Compose interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` …)


class InterpolationError(ValueError):
    """A `${VAR:?…}` whose variable is missing, or a malformed template."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _closing_brace(text: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(text):
        if text[i] == "$" and text[i + 1 : i + 2] == "$":
            i += 2
            continue
        if text[i] == "$" and text[i + 1 : i + 2] == "{":
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise InterpolationError(f"unclosed '${{' in {text!r}")


def interpolate(text: str, env: dict[str, str], refs: set[str] | None = None) -> str:
    """Resolves a string the way Docker Compose does; records variable names in `refs`."""
    refs = refs if refs is not None else set()
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            end = _closing_brace(text, i)
            out.append(_substitute(text[i + 2 : end], env, refs))
            i = end + 1
            continue
        m = _NAME.match(text, i + 1)
        if not m:
            raise InterpolationError(f"invalid '$' in {text!r} (write $$ for a literal dollar)")
        refs.add(m.group(0))
        out.append(env.get(m.group(0), ""))
        i = m.end()
    return "".join(out)


def _substitute(body: str, env: dict[str, str], refs: set[str]) -> str:
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", body, re.S)
    if not m:
        raise InterpolationError(f"invalid substitution ${{{body}}}")
    name, op, arg = m.group(1), m.group(2), m.group(3) or ""
    refs.add(name)
    is_set = name in env
    non_empty = is_set and env[name] != ""
    value = env.get(name, "")
    if op is None:
        return value
    if op == ":-":
        return value if non_empty else interpolate(arg, env, refs)
    if op == "-":
        return value if is_set else interpolate(arg, env, refs)
    if op in (":?", "?"):
        if (op == ":?" and non_empty) or (op == "?" and is_set):
            return value
        raise InterpolationError(f"{name}: {interpolate(arg, env, refs) or 'required'}")
    if op == ":+":
        return interpolate(arg, env, refs) if non_empty else ""
    return interpolate(arg, env, refs) if is_set else ""  # "+"


def variable_uses(text: str) -> list[tuple[str, str | None]]:
    """The outermost `${NAME…}` uses in text: (name, operator or None)."""
    uses: list[tuple[str, str | None]] = []
    i = 0
    while i < len(text):
        if text[i] == "$" and text[i + 1 : i + 2] == "$":
            i += 2
            continue
        if text[i] == "$" and text[i + 1 : i + 2] == "{":
            end = _closing_brace(text, i)
            m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?", text[i + 2 : end])
            if m:
                uses.append((m.group(1), m.group(2)))
                uses.extend(variable_uses(text[i + 2 + m.end() : end]))
            i = end + 1
            continue
        i += 1
    return uses


def resolve_tree(node: Any, env: dict[str, str], refs: set[str]) -> Any:
    """Interpolates every string value (not keys) of a parsed compose document."""
    if isinstance(node, dict):
        return {k: resolve_tree(v, env, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_tree(v, env, refs) for v in node]
    if isinstance(node, str):
        return interpolate(node, env, refs)
    return node


def walk_strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in walk_strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in walk_strings(v)]
    return [node] if isinstance(node, str) else []


# ---------------------------------------------------------------------------------------------
# .env files (Compose's dotenv format, the part this project uses)


@dataclass
class EnvFile:
    values: dict[str, str]
    documented: dict[str, bool]
    errors: list[str]


def parse_env_file(path: Path) -> EnvFile:
    values: dict[str, str] = {}
    documented: dict[str, bool] = {}
    errors: list[str] = []
    # A variable is documented by the comment block right above it; consecutive variables
    # (EBAY_CLIENT_ID, EBAY_CLIENT_SECRET) share one block. A blank line ends a block.
    in_commented_block = False
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            in_commented_block = False
            continue
        if line.startswith("#"):
            in_commented_block = True
            continue
        m = re.fullmatch(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", line)
        if not m:
            errors.append(f"line {lineno}: not KEY=VALUE: {line!r}")
            continue
        name, value = m.group(1), m.group(2)
        if value and value[0] in "\"'":
            quote = value[0]
            end = value.find(quote, 1)
            while quote == '"' and end > 0 and value[end - 1] == "\\":
                end = value.find(quote, end + 1)
            if end < 0:
                errors.append(f"line {lineno}: unterminated quote")
                continue
            tail = value[end + 1 :].strip()
            if tail and not tail.startswith("#"):
                errors.append(f"line {lineno}: text after the closing quote")
            inner = value[1:end]
            value = inner if quote == "'" else interpolate(inner.replace('\\"', '"'), values)
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
            value = interpolate(value, values)
        if name in values:
            errors.append(f"line {lineno}: {name} set twice")
        values[name] = value
        documented[name] = in_commented_block
    return EnvFile(values, documented, errors)


# ---------------------------------------------------------------------------------------------
# Rust sources: what each binary reads


@dataclass
class Setting:
    variable: str
    field_name: str
    type_name: str
    has_default: bool
    file: str

    @property
    def required(self) -> bool:
        optional = self.type_name.startswith(("Option<", "Vec<")) or self.type_name == "bool"
        return not (self.has_default or optional)


_ARG_FIELD = re.compile(
    r"#\[arg\((?P<args>.*?)\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?(?P<field>[a-z_][a-z0-9_]*)\s*:\s*(?P<type>[^,\n]+?)\s*,",
    re.S,
)


def workspace_dependencies(crate: Path) -> list[Path]:
    """The workspace crates in `crate`'s [dependencies] (not dev-dependencies): their clap
    settings are flattened into the binary's (e.g. pubsub's REDIS_URL, mailer's SMTP_URL)."""
    text = (crate / "Cargo.toml").read_text(encoding="utf-8")
    section = re.search(r"(?ms)^\[dependencies\]\s*$(.*?)(?=^\[|\Z)", text)
    found = []
    for name in re.findall(r"(?m)^([A-Za-z0-9_-]+)\s*(?:\.workspace\s*=|=\s*\{)", section.group(1) if section else ""):
        candidate = ROOT / name
        if (candidate / "Cargo.toml").is_file() and (candidate / "src").is_dir() and candidate != crate:
            found.append(candidate)
    return found


def crate_settings(crate: Path) -> tuple[dict[str, Setting], set[str]]:
    """(clap settings by variable, variables read directly by code) of one crate's src/ and of
    the workspace libraries it depends on."""
    settings: dict[str, Setting] = {}
    direct: set[str] = set()
    sources = [crate] + workspace_dependencies(crate)
    for path in sorted(p for c in sources for p in (c / "src").rglob("*.rs")):
        text = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT))
        for m in _ARG_FIELD.finditer(text):
            env = re.search(r'\benv\s*=\s*"([A-Z0-9_]+)"', m.group("args"))
            if not env:
                continue
            has_default = bool(re.search(r"\bdefault_values?(?:_t|_os|_ts)?\s*=", m.group("args")))
            settings[env.group(1)] = Setting(env.group(1), m.group("field"), m.group("type").strip(), has_default, rel)
        direct.update(re.findall(r'env::var(?:_os)?\(\s*"([A-Z0-9_]+)"\s*\)', text))
        if re.search(r"EnvFilter::(?:try_)?from_default_env", text):
            direct.add("RUST_LOG")
    return settings, direct


@dataclass
class Rule:
    """A requirement the code enforces at start-up rather than in clap's attributes."""

    service: str
    variables: list[str]
    condition: str
    applies: Callable[[dict[str, str]], bool]
    evidence_file: str
    evidence_text: str


def _is_loopback(listen: str) -> bool:
    host = listen.rsplit(":", 1)[0].strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


RULES = [
    Rule("analytics-service", ["ANALYTICS_DATABASE_URL"], "always", lambda env: True,
         "analytics-service/src/config.rs", "ANALYTICS_DATABASE_URL is not set"),
    Rule("analytics-service", ["ANALYTICS_API_TOKEN"], "when ANALYTICS_LISTEN is not loopback",
         lambda env: not _is_loopback(env.get("ANALYTICS_LISTEN", "127.0.0.1:8081")),
         "analytics-service/src/config.rs", "ANALYTICS_API_TOKEN must be set when ANALYTICS_LISTEN"),
    Rule("alerts-service", ["EBAY_BASE_URL"], "when EBAY_ENV=mock",
         lambda env: env.get("EBAY_ENV", "production").strip().lower() == "mock",
         "ebay-sdk/src/config.rs", "EBAY_ENV=mock needs EBAY_BASE_URL"),
    Rule("alerts-service", ["EBAY_CLIENT_ID", "EBAY_CLIENT_SECRET"], "when EBAY_ENV is not mock",
         lambda env: env.get("EBAY_ENV", "production").strip().lower() != "mock",
         "alerts-service/src/config.rs", "EBAY_CLIENT_ID and EBAY_CLIENT_SECRET are required for EBAY_ENV"),
]
#: Start-up limits on values, tied to their source messages like RULES.
TOKEN_MIN_LEN = ("analytics-service/src/config.rs", "ANALYTICS_API_TOKEN must be at least 16 characters", 16)


# ---------------------------------------------------------------------------------------------
# Dockerfile


@dataclass
class Instruction:
    keyword: str
    args: str
    lineno: int


@dataclass
class Stage:
    name: str
    base: str
    lineno: int
    instructions: list[Instruction] = field(default_factory=list)


def parse_dockerfile(text: str) -> tuple[list[Stage], list[str]]:
    """Stages with their instructions, and the parser directives (`# syntax=…`)."""
    directives: list[str] = []
    for raw in text.splitlines():
        m = re.fullmatch(r"#\s*([a-z]+)\s*=\s*(\S+)\s*", raw)
        if not m:
            break
        directives.append(f"{m.group(1)}={m.group(2)}")
    stages: list[Stage] = []
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue
        if not buffer:
            start = lineno
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        logical.append((start, buffer))
        buffer = ""
    if buffer:
        logical.append((start, buffer))
    for lineno, line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            parts = [p for p in args.split() if not p.startswith("--")]
            name = parts[2] if len(parts) >= 3 and parts[1].lower() == "as" else str(len(stages))
            stages.append(Stage(name, parts[0], lineno))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, args, lineno))
    return stages, directives


@dataclass
class Copy:
    sources: list[str]
    dest: str
    from_stage: str | None
    lineno: int


def parse_copy(ins: Instruction) -> Copy:
    args = ins.args
    flags: dict[str, str] = {}
    while args.startswith("--"):
        flag, _, args = args.partition(" ")
        key, _, value = flag[2:].partition("=")
        flags[key] = value
        args = args.strip()
    parts = json.loads(args) if args.startswith("[") else shlex.split(args)
    return Copy(parts[:-1], parts[-1], flags.get("from"), ins.lineno)


def exec_form(args: str) -> list[str] | None:
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def env_pairs(args: str) -> dict[str, str]:
    parts = shlex.split(args)
    if parts and "=" not in parts[0]:
        return {parts[0]: " ".join(parts[1:])}
    return dict(p.split("=", 1) for p in parts if "=" in p)


@dataclass
class Image:
    """What a target stage ends up with, following its chain of base stages."""

    chain: list[Stage]
    env: dict[str, str]
    user: str | None
    entrypoint: list[str] | None
    cmd: list[str] | None
    copies: list[Copy]
    runs: list[str]


def effective_image(stages: dict[str, Stage], target: str) -> Image:
    chain: list[Stage] = []
    name: str | None = target
    while name in stages and stages[name] not in chain:
        chain.insert(0, stages[name])
        name = stages[name].base
    image = Image(chain, {}, None, None, None, [], [])
    for stage in chain:
        for ins in stage.instructions:
            if ins.keyword == "ENV":
                image.env.update(env_pairs(ins.args))
            elif ins.keyword == "USER":
                image.user = ins.args
            elif ins.keyword == "ENTRYPOINT":
                image.entrypoint = exec_form(ins.args)
                image.cmd = None
            elif ins.keyword == "CMD":
                image.cmd = exec_form(ins.args)
            elif ins.keyword in ("COPY", "ADD"):
                image.copies.append(parse_copy(ins))
            elif ins.keyword == "RUN":
                image.runs.append(ins.args)
    return image


# ---------------------------------------------------------------------------------------------
# .dockerignore (moby/patternmatcher semantics: last match wins, a match on a parent counts)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern[i : i + 2] == "**":
                i += 2
                if pattern[i : i + 1] == "/":
                    out += "(?:.*/)?"
                    i += 1
                else:
                    out += ".*"
                continue
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.find("]", i)
            out += pattern[i : end + 1] if end > 0 else re.escape(c)
            i = end if end > 0 else i
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_rules(path: Path) -> list[tuple[bool, re.Pattern[str], str]]:
    rules = []
    if not path.exists():
        return rules
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line[1:].strip() if negate else line).lstrip("/")
        rules.append((negate, _pattern_regex(pattern), line))
    return rules


def is_ignored(rel: str, rules: list[tuple[bool, re.Pattern[str], str]]) -> bool:
    rel = os.path.normpath(rel).lstrip("/")
    parts = rel.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for negate, regex, _ in rules:
        if any(regex.match(c) for c in candidates):
            ignored = not negate
    return ignored


# ---------------------------------------------------------------------------------------------
# Small helpers


def listen_port(value: str) -> int | None:
    m = re.fullmatch(r"(?:\[[0-9a-fA-F:]+\]|[0-9.]+):([0-9]{1,5})", value.strip())
    return int(m.group(1)) if m else None


def url_parts(value: str) -> urllib.parse.SplitResult | None:
    try:
        parts = urllib.parse.urlsplit(value)
        _ = parts.port  # raises on a bad port
        return parts if parts.scheme and parts.hostname else None
    except ValueError:
        return None


def default_port(parts: urllib.parse.SplitResult) -> int | None:
    defaults = {"http": 80, "https": 443, "redis": 6379, "postgres": 5432, "postgresql": 5432, "smtp": 25, "smtps": 465}
    return parts.port or defaults.get(parts.scheme)


def published(service: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    """(host ip, host port, container port) of each short-syntax `ports:` entry."""
    result = []
    for entry in service.get("ports") or []:
        text = str(entry).split("/")[0]
        parts = text.split(":")
        if len(parts) == 3:
            result.append((parts[0], parts[1], parts[2]))
        elif len(parts) == 2:
            result.append((None, parts[0], parts[1]))
        else:
            result.append((None, "", parts[0]))
    return result


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = [str(e).split("=", 1) for e in env]
        return {p[0]: (p[1] if len(p) > 1 else "") for p in pairs}
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def effective_env(service: dict[str, Any]) -> dict[str, str]:
    """The variables the binary sees: the entry point drops empty ones."""
    return {k: v for k, v in environment_of(service).items() if v != ""}


def healthcheck_test(service: dict[str, Any]) -> list[str] | None:
    hc = service.get("healthcheck")
    if not isinstance(hc, dict) or hc.get("disable") is True:
        return None
    test = hc.get("test")
    if isinstance(test, str):
        return ["CMD-SHELL", test]
    if isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL"):
        return [str(t) for t in test]
    return None


def read(rel: str) -> str:
    path = ROOT / rel
    return path.read_text(encoding="utf-8") if path.exists() else ""


# ---------------------------------------------------------------------------------------------
# The checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", type=Path, help="also check these settings (e.g. your .env)")
    options = parser.parse_args()

    report = Report()
    print("check_compose: structural checks of docker-compose.yml, Dockerfile, .dockerignore, .env.example")
    print(LIMITS)

    # -- files and parsing --------------------------------------------------------------------
    report.section("files")
    for rel in ["docker-compose.yml", "Dockerfile", ".dockerignore", ".env.example",
                "deploy/docker-entrypoint.sh", "deploy/README.md"]:
        report.check(f"{rel} exists", (ROOT / rel).is_file())
    if not COMPOSE.is_file() or not ENV_EXAMPLE.is_file():
        print(report.summary())
        return 1

    source = COMPOSE.read_text(encoding="utf-8")
    try:
        raw = parse_yaml_subset(source)
        report.check("docker-compose.yml is in the supported YAML subset", isinstance(raw, dict))
    except YamlSubsetError as error:
        report.check("docker-compose.yml is in the supported YAML subset", False, str(error))
        print(report.summary())
        return 1
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        report.skip("PyYAML reads docker-compose.yml the same way", "PyYAML is not installed (optional)")
    else:
        report.check("PyYAML reads docker-compose.yml the same way", yaml.safe_load(source) == raw)

    example = parse_env_file(ENV_EXAMPLE)
    report.check(".env.example is KEY=VALUE lines and comments", not example.errors, "; ".join(example.errors))

    services: dict[str, dict[str, Any]] = raw.get("services") or {}
    extra = sorted(k for k in raw if k not in TOP_LEVEL_KEYS and not k.startswith("x-"))
    report.check("only top-level keys docker-compose 1.29 accepts (no `name:`; the project name is "
                 "COMPOSE_PROJECT_NAME in .env)", not extra, f"unexpected: {extra}")
    report.check(".env.example sets COMPOSE_PROJECT_NAME (volume names in deploy/README.md depend on it)",
                 example.values.get("COMPOSE_PROJECT_NAME") == "ebay-alerts")
    raw_strings = walk_strings(raw)
    try:
        all_uses = [u for s in raw_strings for u in variable_uses(s)]
    except InterpolationError as error:
        report.check("every ${...} in docker-compose.yml is well-formed", False, str(error))
        all_uses = []
    compose_vars = sorted({name for name, _ in all_uses})
    required_by_compose = sorted({name for name, op in all_uses if op in (":?", "?")})

    # -- the Rust side ------------------------------------------------------------------------
    crate_env: dict[str, tuple[dict[str, Setting], set[str]]] = {
        svc: crate_settings(ROOT / crate) for svc, crate in BINARIES.items()
    }
    readable_by_any = set().union(*(set(s) | d for s, d in crate_env.values()))

    # -- services -----------------------------------------------------------------------------
    report.section("services")
    for name in REQUIRED_SERVICES:
        report.check(f"service {name} is defined", name in services)
    for name, svc in services.items():
        report.check(f"{name} has a healthcheck", healthcheck_test(svc) is not None)
        report.check(f"{name} restarts unless stopped", svc.get("restart") == "unless-stopped", f"restart={svc.get('restart')!r}")
    for name, expected in COMMANDS.items():
        svc = services.get(name, {})
        report.check(f"{name} runs `{' '.join(expected)}`", svc.get("command") == expected, f"command={svc.get('command')!r}")
    for binary, (rel, text) in {
        "alerts-service": ("alerts-service/src/main.rs", "Serve {"),
        "analytics-service": ("analytics-service/src/config.rs", "Serve(ServeArgs)"),
    }.items():
        report.check(f"{binary} has a `serve` subcommand ({rel})", text in read(rel))

    report.section("depends_on")
    for name, svc in services.items():
        deps = svc.get("depends_on")
        if deps is None:
            continue
        if not isinstance(deps, dict):
            report.check(f"{name}: depends_on uses the long form with conditions", False, f"got {deps!r}")
            continue
        for dep, spec in deps.items():
            target = services.get(dep)
            condition = spec.get("condition") if isinstance(spec, dict) else None
            report.check(f"{name} -> {dep}: service exists", target is not None)
            report.check(f"{name} -> {dep}: waits for service_healthy", condition == "service_healthy", f"condition={condition!r}")
            report.check(f"{name} -> {dep}: target has a healthcheck", target is not None and healthcheck_test(target) is not None)
    for name in ("alerts-service", "analytics-service"):
        deps = services.get(name, {}).get("depends_on") or {}
        for needed in ("postgres", "redis"):
            report.check(f"{name} waits for {needed}", needed in deps)
    report.check("alerts-service waits for ebay-mock", "ebay-mock" in (services.get("alerts-service", {}).get("depends_on") or {}))

    report.section("ports and networks")
    for name in UNPUBLISHED:
        report.check(f"{name} publishes no port", not services.get(name, {}).get("ports"),
                     f"ports={services.get(name, {}).get('ports')!r}")
    mailpit_ports = published({"ports": resolve_tree(services.get("mailpit", {}).get("ports") or [], {}, set())})
    report.check("Mailpit's UI (8025) is published", any(c == str(MAILPIT_UI_PORT) for _, _, c in mailpit_ports))
    report.check("Mailpit's UI is bound to 127.0.0.1 (it has no authentication)",
                 all(ip == "127.0.0.1" for ip, _, c in mailpit_ports if c == str(MAILPIT_UI_PORT)))
    report.check("Mailpit's SMTP port (1025) is not published", all(c != str(MAILPIT_SMTP_PORT) for _, _, c in mailpit_ports))
    alerts_ports = published({"ports": resolve_tree(services.get("alerts-service", {}).get("ports") or [], {}, set())})
    report.check("alerts-service publishes exactly one port", len(alerts_ports) == 1, f"ports={alerts_ports!r}")

    report.section("volumes")
    declared = set((raw.get("volumes") or {}).keys())
    for name, svc in services.items():
        for entry in svc.get("volumes") or []:
            src = str(entry).split(":")[0]
            if src.startswith((".", "/")):
                report.check(f"{name}: bind-mount source {src} exists", (ROOT / src).exists())
            else:
                report.check(f"{name}: named volume {src} is declared", src in declared)
    init_mounts = [str(v).split(":")[0] for v in services.get("postgres", {}).get("volumes") or []
                   if ":/docker-entrypoint-initdb.d" in str(v)]
    init_sql = "".join(p.read_text(encoding="utf-8") for m in init_mounts for p in sorted((ROOT / m).glob("*.sql")))
    created_dbs = set(re.findall(r"(?im)^\s*CREATE\s+DATABASE\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?", init_sql))
    report.check("postgres mounts an init script that creates databases", bool(created_dbs), f"mounts={init_mounts!r}")

    # -- environment variables vs. the Rust sources -------------------------------------------
    report.section("environment variables vs. the binaries' sources")
    for svc_name, (settings, direct) in crate_env.items():
        report.check(f"{svc_name}: found its clap `env = \"...\"` settings", len(settings) >= 3, f"{len(settings)} found")
        svc = services.get(svc_name, {})
        for var in environment_of(svc):
            where = settings[var].file if var in settings else ("read in code" if var in direct else "")
            report.check(f"{svc_name} reads {var}" + (f" ({where})" if where else ""), bool(where),
                         f"no env = \"{var}\" in {BINARIES[svc_name]}/src and no env::var(\"{var}\")")
        for var, setting in sorted(settings.items()):
            if setting.required:
                report.check(f"{svc_name}: {var} (required, no default) is set", var in environment_of(svc))
        listen_var = LISTEN_VARS[svc_name]
        report.check(f"{svc_name}: {listen_var} is one of its settings", listen_var in settings)
        env_files = svc.get("env_file") or []
        # The short form: docker-compose 1.29 (what scripts/compose-test.sh runs) rejects the
        # long `{path, required}` form of Compose v2.24+.
        report.check(f"{svc_name}: gets .env through env_file (short form, read by docker-compose 1.29 and Compose v2)",
                     env_files == [".env"], f"env_file={env_files!r}")
    for rule in RULES:
        report.check(f"rule still in the code: {rule.evidence_text!r} ({rule.evidence_file})",
                     rule.evidence_text in read(rule.evidence_file), "update RULES in deploy/check_compose.py")
    report.check(f"rule still in the code: {TOKEN_MIN_LEN[1]!r}", TOKEN_MIN_LEN[1] in read(TOKEN_MIN_LEN[0]))
    report.check(f"alerts-service's mock placeholder key is {MOCK_PLACEHOLDER_ID[2]!r} ({MOCK_PLACEHOLDER_ID[0]})",
                 MOCK_PLACEHOLDER_ID[1] in read(MOCK_PLACEHOLDER_ID[0]))

    # -- resolved configurations --------------------------------------------------------------
    dummy_secrets = {name: "0123456789abcdef0123456789abcdef" for name in required_by_compose}
    contexts: list[tuple[str, dict[str, str]]]
    if options.env_file:
        given = parse_env_file(options.env_file)
        report.section(f"settings file {options.env_file}")
        report.check(f"{options.env_file} is KEY=VALUE lines and comments", not given.errors, "; ".join(given.errors))
        contexts = [(str(options.env_file), given.values)]
    else:
        with_secrets = {**example.values, **{k: v for k, v in dummy_secrets.items() if not example.values.get(k)}}
        production = {**with_secrets, "EBAY_ENV": "production", "EBAY_CLIENT_ID": "real-client-id",
                      "EBAY_CLIENT_SECRET": "real-client-secret", "EBAY_BASE_URL": ""}
        contexts = [
            ("compose defaults (only the secrets set)", dict(dummy_secrets)),
            (".env.example (+ placeholder secrets)", with_secrets),
            ("switch to the real eBay (.env.example + EBAY_ENV=production, keys, EBAY_BASE_URL=)", production),
        ]
    for label, env in contexts:
        check_context(report, label, raw, env, required_by_compose, crate_env, created_dbs)

    # -- Dockerfile -----------------------------------------------------------------------------
    check_dockerfile(report, services)

    # -- .env.example ---------------------------------------------------------------------------
    report.section(".env.example")
    for var in example.values:
        report.check(f"{var} has a comment", example.documented.get(var, False))
        used = var in compose_vars or var in readable_by_any or var in COMPOSE_OWN_VARS
        report.check(f"{var} is used (compose interpolation or read by a binary)", used)
    for var in compose_vars:
        report.check(f"{var} (interpolated by compose) is in .env.example", var in example.values)
    for var in required_by_compose:
        report.check(f"secret {var} ships empty in .env.example", example.values.get(var, "") == "")
    gitignore = read(".gitignore").splitlines()
    report.check(".env is git-ignored", ".env" in [l.strip() for l in gitignore])

    # -- entry point ----------------------------------------------------------------------------
    report.section("image entry point")
    check_entrypoint(report)

    print()
    print(report.summary())
    return 0 if report.failed == 0 else 1


def check_context(report: Report, label: str, raw: dict[str, Any], env: dict[str, str],
                  required_by_compose: list[str], crate_env: dict[str, tuple[dict[str, Setting], set[str]]],
                  created_dbs: set[str]) -> None:
    report.section(f"resolved with {label}")
    for var in required_by_compose:
        report.check(f"required variable {var} is set", env.get(var, "") != "")
    try:
        resolved = resolve_tree(raw, env, set())
    except InterpolationError as error:
        report.check("docker-compose.yml interpolates", False, str(error))
        return
    report.check("docker-compose.yml interpolates", True)
    services = resolved.get("services") or {}
    envs = {name: effective_env(services.get(name, {})) for name in BINARIES}

    # Requirements of the binaries.
    for rule in RULES:
        svc_env = envs[rule.service]
        if rule.applies(svc_env):
            for var in rule.variables:
                report.check(f"{rule.service}: {var} is set ({rule.condition})", svc_env.get(var, "") != "")

    # Listen addresses, health checks, published port.
    ports: dict[str, int | None] = {}
    for name, var in LISTEN_VARS.items():
        value = envs[name].get(var) or ""
        ports[name] = listen_port(value)
        report.check(f"{name}: {var}={value} listens on 0.0.0.0", value.startswith("0.0.0.0:") and ports[name] is not None)
        test = healthcheck_test(services.get(name, {})) or []
        path = HEALTH_PATHS[name][0]
        url = f"http://127.0.0.1:{ports[name]}{path}"
        report.check(f"{name}: healthcheck probes {url} with curl", len(test) > 1 and test[1] == "curl" and url in test,
                     f"test={test!r}")
    alerts_ports = published(services.get("alerts-service", {}))
    host_port = alerts_ports[0][1] if alerts_ports else ""
    report.check("alerts-service's published container port is ALERTS_LISTEN's port",
                 bool(alerts_ports) and alerts_ports[0][2] == str(ports["alerts-service"]),
                 f"ports={alerts_ports!r}, ALERTS_LISTEN port {ports['alerts-service']}")

    alerts, analytics, mock = envs["alerts-service"], envs["analytics-service"], envs["ebay-mock"]
    public = url_parts(alerts.get("PUBLIC_URL", ""))
    report.check("PUBLIC_URL is an http(s) URL", public is not None and public.scheme in ("http", "https"),
                 alerts.get("PUBLIC_URL", ""))
    if public and public.hostname in ("localhost", "127.0.0.1", "::1"):
        report.check("PUBLIC_URL's port is the published host port", str(default_port(public)) == host_port,
                     f"PUBLIC_URL={alerts.get('PUBLIC_URL')}, published {host_port}")
    analytics_url = url_parts(alerts.get("ANALYTICS_URL", ""))
    report.check("ANALYTICS_URL reaches analytics-service on ANALYTICS_LISTEN's port",
                 analytics_url is not None and analytics_url.hostname == "analytics-service"
                 and default_port(analytics_url) == ports["analytics-service"], alerts.get("ANALYTICS_URL", ""))

    ebay_env = alerts.get("EBAY_ENV", "production").strip().lower()
    report.check("EBAY_ENV is production, sandbox or mock", ebay_env in ("production", "sandbox", "mock"), ebay_env)
    base = url_parts(alerts.get("EBAY_BASE_URL", ""))
    if ebay_env == "mock":
        report.check("EBAY_BASE_URL reaches ebay-mock on EBAY_MOCK_LISTEN's port",
                     base is not None and base.hostname == "ebay-mock" and default_port(base) == ports["ebay-mock"],
                     alerts.get("EBAY_BASE_URL", "(unset)"))
        allowed = [i.strip() for i in mock.get("EBAY_MOCK_ALLOWED_CLIENT_IDS", "").split(",") if i.strip()]
        if alerts.get("EBAY_CLIENT_ID"):
            report.check("ebay-mock accepts the EBAY_CLIENT_ID in use", not allowed or alerts["EBAY_CLIENT_ID"] in allowed)
        else:
            report.check("ebay-mock accepts alerts-service's placeholder key", not allowed or MOCK_PLACEHOLDER_ID[2] in allowed,
                         f"EBAY_MOCK_ALLOWED_CLIENT_IDS={allowed}")
    else:
        report.check(f"EBAY_BASE_URL does not point at ebay-mock with EBAY_ENV={ebay_env}",
                     base is None or base.hostname != "ebay-mock", alerts.get("EBAY_BASE_URL", ""))

    for name in ("alerts-service", "analytics-service"):
        smtp = url_parts(envs[name].get("SMTP_URL", ""))
        report.check(f"{name}: SMTP_URL is smtp://, smtps:// or file://",
                     smtp is not None and smtp.scheme in ("smtp", "smtps") or envs[name].get("SMTP_URL", "").startswith("file://"),
                     envs[name].get("SMTP_URL", ""))
        if smtp and smtp.hostname == "mailpit":
            report.check(f"{name}: SMTP_URL reaches Mailpit's SMTP port {MAILPIT_SMTP_PORT}", smtp.port == MAILPIT_SMTP_PORT)
        redis = url_parts(envs[name].get("REDIS_URL", ""))
        report.check(f"{name}: REDIS_URL reaches the redis service",
                     redis is not None and redis.hostname == "redis" and default_port(redis) == REDIS_PORT,
                     envs[name].get("REDIS_URL", ""))
        report.check(f"{name}: PUBSUB_TRANSPORT is streams or pubsub",
                     envs[name].get("PUBSUB_TRANSPORT", "streams") in ("streams", "pubsub"))

    postgres_env = services.get("postgres", {}).get("environment") or {}
    for name, var in (("alerts-service", "ALERTS_DATABASE_URL"), ("analytics-service", "ANALYTICS_DATABASE_URL")):
        db = url_parts(envs[name].get(var, ""))
        dbname = db.path.lstrip("/") if db else ""
        report.check(f"{var} points at the postgres service", db is not None and db.scheme in ("postgres", "postgresql")
                     and db.hostname == "postgres" and default_port(db) == POSTGRES_PORT, "")
        report.check(f"{var} names a database the init script creates ({dbname})", dbname in created_dbs,
                     f"created: {sorted(created_dbs)}")
        report.check(f"{var} uses POSTGRES_USER and POSTGRES_PASSWORD",
                     db is not None and db.username == postgres_env.get("POSTGRES_USER")
                     and urllib.parse.unquote(db.password or "") == postgres_env.get("POSTGRES_PASSWORD"))
    password = str(postgres_env.get("POSTGRES_PASSWORD", ""))
    report.check("POSTGRES_PASSWORD is URL-safe (it is embedded in the database URLs)",
                 re.fullmatch(r"[A-Za-z0-9._~-]*", password) is not None, "use e.g. `openssl rand -hex 24`")

    for var in SHARED_EXACT:
        report.check(f"both services use the same {var}", alerts.get(var) == analytics.get(var),
                     f"{alerts.get(var)!r} vs {analytics.get(var)!r}")
    token = analytics.get("ANALYTICS_API_TOKEN", "")
    report.check(f"ANALYTICS_API_TOKEN has at least {TOKEN_MIN_LEN[2]} characters", len(token) >= TOKEN_MIN_LEN[2])
    cron = analytics.get("INSIGHTS_CRON", "0 */30 * * * *")
    report.check("INSIGHTS_CRON has six fields", len(cron.split()) == 6, cron)
    budget = alerts.get("EBAY_DAILY_CALL_BUDGET", "5000")
    report.check("EBAY_DAILY_CALL_BUDGET is a positive integer", budget.isdigit() and int(budget) > 0, budget)
    report.check("FRONTEND_DIST is where the image puts the dashboard", alerts.get("FRONTEND_DIST") == DASHBOARD_DIR,
                 alerts.get("FRONTEND_DIST", "(unset)"))


def check_dockerfile(report: Report, services: dict[str, dict[str, Any]]) -> None:
    report.section("Dockerfile")
    stages_by_file: dict[Path, tuple[dict[str, Stage], list[str]]] = {}
    rules = dockerignore_rules(DOCKERIGNORE)
    for name in BINARIES:
        build = services.get(name, {}).get("build")
        if not isinstance(build, dict):
            report.check(f"{name} is built from the Dockerfile", False, f"build={build!r}")
            continue
        context = ROOT / str(build.get("context", "."))
        dockerfile = context / str(build.get("dockerfile", DOCKERFILE_DEFAULT))
        report.check(f"{name}: build context {build.get('context')} exists", context.is_dir())
        report.check(f"{name}: {dockerfile.relative_to(ROOT)} exists", dockerfile.is_file())
        if not dockerfile.is_file():
            continue
        if dockerfile not in stages_by_file:
            stage_list, directives = parse_dockerfile(dockerfile.read_text(encoding="utf-8"))
            stages_by_file[dockerfile] = ({s.name: s for s in stage_list}, directives)
        stages, _ = stages_by_file[dockerfile]
        target = build.get("target")
        report.check(f"{name}: target {target!r} is a stage", target in stages, f"stages: {sorted(stages)}")
        if target not in stages:
            continue
        image = effective_image(stages, str(target))
        binary = COMMANDS[name][0]
        report.check(f"{name}: target installs /usr/local/bin/{binary}",
                     any(c.dest in (f"/usr/local/bin/{binary}", "/usr/local/bin/") and any(s.endswith(f"/{binary}") for s in c.sources)
                         for c in image.copies))
        report.check(f"{name}: target runs as a non-root user", image.user is not None
                     and image.user.split(":")[0] not in ("root", "0"), f"USER {image.user}")
        report.check(f"{name}: target's entry point is docker-entrypoint", image.entrypoint == ["docker-entrypoint"],
                     f"ENTRYPOINT {image.entrypoint}")
        report.check(f"{name}: target's default command matches compose's", image.cmd == COMMANDS[name], f"CMD {image.cmd}")
        report.check(f"{name}: image listens on 0.0.0.0 by default", image.env.get(LISTEN_VARS[name], "").startswith("0.0.0.0:"))
        runtime_runs = " ".join(image.runs)
        report.check(f"{name}: runtime installs curl (used by its healthcheck) and ca-certificates",
                     re.search(r"apt-get install[^&;]*\bcurl\b", runtime_runs) is not None
                     and "ca-certificates" in runtime_runs)
        report.check(f"{name}: runtime is debian:bookworm-slim", image.chain[0].base == "debian:bookworm-slim",
                     image.chain[0].base)
        if name == "alerts-service":
            report.check("alerts-service: dashboard copied from the frontend stage to /app/frontend/dist",
                         any(c.from_stage == "frontend" and c.dest == DASHBOARD_DIR and any(s.endswith("/dist") for s in c.sources)
                             for c in image.copies))
            report.check("alerts-service: image sets FRONTEND_DIST to the dashboard", image.env.get("FRONTEND_DIST") == DASHBOARD_DIR)

    check_all_in_one(report, ROOT / DOCKERFILE_DEFAULT)

    for dockerfile, (stages, directives) in stages_by_file.items():
        rel = dockerfile.relative_to(ROOT)
        uses_buildkit = any(re.search(r"--mount=|--chmod=", i.args) for s in stages.values() for i in s.instructions)
        report.check(f"{rel}: declares the dockerfile syntax (RUN --mount, COPY --chmod)",
                     not uses_buildkit or any(d.startswith("syntax=docker/dockerfile:1") for d in directives))
        frontend, builder = stages.get("frontend"), stages.get("builder")
        report.check(f"{rel}: stage `frontend` is Node 20", frontend is not None and frontend.base.startswith("node:20"),
                     frontend.base if frontend else "missing")
        if frontend:
            runs = " ".join(i.args for i in frontend.instructions if i.keyword == "RUN")
            report.check(f"{rel}: frontend runs `npm ci` then `npm run build`",
                         "npm ci" in runs and "npm run build" in runs and runs.index("npm ci") < runs.index("npm run build"))
            package = json.loads(read("frontend/package.json") or "{}")
            report.check("frontend/package.json has a build script", "build" in package.get("scripts", {}))
            report.check("frontend/package-lock.json exists (npm ci needs it)", (ROOT / "frontend/package-lock.json").is_file())
            out_dir = re.search(r"outDir:\s*['\"]dist['\"]", read("frontend/vite.config.ts"))
            report.check("vite writes the build to frontend/dist", out_dir is not None)
        report.check(f"{rel}: stage `builder` is rust:1.95-bookworm", builder is not None and builder.base == "rust:1.95-bookworm",
                     builder.base if builder else "missing")
        if builder:
            runs = " ".join(i.args for i in builder.instructions if i.keyword == "RUN")
            cargo = re.search(r"cargo build[^&;]*", runs)
            cargo_text = cargo.group(0) if cargo else ""
            report.check(f"{rel}: cargo build --release --locked", "--release" in cargo_text and "--locked" in cargo_text, cargo_text)
            for binary in [*BINARIES, ALL_IN_ONE]:
                report.check(f"{rel}: cargo builds -p {binary} and keeps target/release/{binary}",
                             f"-p {binary}" in cargo_text and f"target/release/{binary}" in runs)
            copied = {os.path.normpath(s) for ins in builder.instructions if ins.keyword == "COPY"
                      for s in parse_copy(ins).sources if not parse_copy(ins).from_stage}
            workspace = tomllib.loads(read("Cargo.toml") or "")
            for member in workspace.get("workspace", {}).get("members", []):
                report.check(f"{rel}: builder copies workspace member {member}/", os.path.normpath(member) in copied)
            for rel_file in ("Cargo.toml", "Cargo.lock"):
                report.check(f"{rel}: builder copies {rel_file}", rel_file in copied)
        for stage in stages.values():
            for ins in stage.instructions:
                if ins.keyword not in ("COPY", "ADD"):
                    continue
                copy = parse_copy(ins)
                if copy.from_stage:
                    report.check(f"{rel}:{ins.lineno}: COPY --from={copy.from_stage} names an earlier stage",
                                 copy.from_stage in stages and list(stages).index(copy.from_stage) < list(stages).index(stage.name))
                    continue
                for src in copy.sources:
                    path = dockerfile.parent / src
                    report.check(f"{rel}:{ins.lineno}: COPY source {src} exists", path.exists())
                    report.check(f"{rel}:{ins.lineno}: COPY source {src} is not excluded by .dockerignore",
                                 not is_ignored(src.rstrip("/"), rules))

    report.section(".dockerignore")
    for path in (".env", ".git", "target", "frontend/node_modules", "frontend/dist", "ebay-sdk/target"):
        report.check(f".dockerignore excludes {path}", is_ignored(path, rules))
    for path in ("frontend/src/main.tsx", "alerts-service/src/main.rs", "Cargo.lock"):
        report.check(f".dockerignore keeps {path}", not is_ignored(path, rules))


def check_all_in_one(report: Report, dockerfile: Path) -> None:
    """The `ebay-alerts` target: `docker run -p 8080:8080 -v data:/data ebay-alerts` (DESIGN §14)."""
    if not dockerfile.is_file():
        report.check(f"{dockerfile.name} exists (all-in-one target)", False)
        return
    stage_list, _ = parse_dockerfile(dockerfile.read_text(encoding="utf-8"))
    stages = {s.name: s for s in stage_list}
    report.check(f"target {ALL_IN_ONE!r} (the all-in-one image) is a stage", ALL_IN_ONE in stages)
    if ALL_IN_ONE not in stages:
        return
    image = effective_image(stages, ALL_IN_ONE)
    report.check(f"{ALL_IN_ONE}: installs /usr/local/bin/{ALL_IN_ONE} from the builder",
                 any(c.from_stage == "builder" and c.dest == f"/usr/local/bin/{ALL_IN_ONE}" for c in image.copies))
    report.check(f"{ALL_IN_ONE}: dashboard copied to {DASHBOARD_DIR}",
                 any(c.from_stage == "frontend" and c.dest == DASHBOARD_DIR for c in image.copies)
                 and image.env.get("FRONTEND_DIST") == DASHBOARD_DIR)
    report.check(f"{ALL_IN_ONE}: runs `{ALL_IN_ONE}` as a non-root user", image.cmd == [ALL_IN_ONE]
                 and image.user is not None and image.user.split(":")[0] not in ("root", "0"), f"CMD {image.cmd}, USER {image.user}")
    report.check(f"{ALL_IN_ONE}: listens on 0.0.0.0:8080", image.env.get("ALERTS_LISTEN") == "0.0.0.0:8080")
    report.check(f"{ALL_IN_ONE}: PUBLIC_URL is http://localhost:8080 (the address of `-p 8080:8080`)",
                 image.env.get("PUBLIC_URL") == "http://localhost:8080")
    standalone = read("standalone/src/main.rs")
    report.check(f"{ALL_IN_ONE}: data in /data (EBAY_ALERTS_DATA_DIR, read by standalone/src/main.rs)",
                 image.env.get("EBAY_ALERTS_DATA_DIR") == "/data" and 'env = "EBAY_ALERTS_DATA_DIR"' in standalone)
    volumes = [i.args for s in image.chain for i in s.instructions if i.keyword == "VOLUME"]
    report.check(f"{ALL_IN_ONE}: declares VOLUME /data", any("/data" in v for v in volumes), f"VOLUME {volumes}")
    runs = " ".join(image.runs)
    report.check(f"{ALL_IN_ONE}: /data is created and owned by the runtime user",
                 re.search(r"mkdir[^&;]*/data", runs) is not None and re.search(r"chown[^&;]*/data", runs) is not None)


def check_entrypoint(report: Report) -> None:
    sh = shutil.which("sh")
    if sh is None or not ENTRYPOINT_SCRIPT.is_file():
        report.check("the entry point can be run with sh here", False, "no `sh` or no script")
        return
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "EBAY_BASE_URL": "", "EMPTY_TOO": "",
           "KEPT": "value", "MULTI": "line one\nEMPTY_LOOKALIKE="}
    env["EMPTY_LOOKALIKE"] = "not empty"
    result = subprocess.run([sh, str(ENTRYPOINT_SCRIPT), "env"], env=env, capture_output=True, text=True, timeout=20)
    names = {line.split("=", 1)[0] for line in result.stdout.splitlines() if "=" in line}
    report.check("entry point removes EBAY_BASE_URL= (set but empty)", result.returncode == 0 and "EBAY_BASE_URL" not in names
                 and "EMPTY_TOO" not in names, result.stderr.strip())
    report.check("entry point keeps non-empty variables", "KEPT=value" in result.stdout
                 and "EMPTY_LOOKALIKE=not empty" in result.stdout)
    failing = subprocess.run([sh, str(ENTRYPOINT_SCRIPT), "sh", "-c", "exit 7"], env=env, capture_output=True, timeout=20)
    report.check("entry point execs the command (its exit status comes through)", failing.returncode == 7)


if __name__ == "__main__":
    sys.exit(main())
